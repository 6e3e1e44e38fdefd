"""What every model shares (see the submodules); no imports here, so low-level modules can use core without cycles."""
