"""What a model serves: its networks and its endpoints, found by the model's class.

Every exportable model gets its serving signatures the same way: a function registered for its class
with :func:`register` returns a :class:`Signatures` (the networks the SavedModel must track and the
endpoints, each a function and its ``tf.TensorSpec`` inputs). :func:`signatures_for` looks the model's
class up along its MRO (``functools.singledispatch``), so a subclass serves like its parent unless it
registers its own, and a user's model serves once it registers one. ``keras_gans.serving.export`` writes
any of them the same way. The first endpoint is also written as ``serving_default``.
"""

import functools
from dataclasses import dataclass, field


@dataclass
class Endpoint:
    """One serving signature: ``fn(*inputs) -> {alias: tensor}`` with ``input_signature`` specs."""

    name: str
    fn: object
    input_signature: list


@dataclass
class Signatures:
    """The networks a SavedModel tracks and its endpoints (the first is also ``serving_default``)."""

    networks: list
    endpoints: list = field(default_factory=list)

    def add(self, name, fn, *input_signature):
        self.endpoints.append(Endpoint(name, fn, list(input_signature)))
        return self


@functools.singledispatch
def signatures_for(model):
    """The :class:`Signatures` of ``model`` (registered per class with :func:`register`)."""
    raise TypeError(f"{type(model).__name__} has no serving signatures: export takes a keras_gans model "
                    "(or register a function for your class with keras_gans.serving.register)")


def register(cls):
    """Decorator: ``@register(MyModel) def my_signatures(model) -> Signatures``."""
    return signatures_for.register(cls)


def failed_check(error):
    """What a serving signature's own ``tf.debugging`` check says in ``error`` (the ``InvalidArgumentError`` of a
    call): its "assertion failed" line, or the whole message when no check failed."""
    failed = [line for line in error.message.splitlines() if line.startswith("assertion failed")]
    return (failed or [error.message])[0].strip()
