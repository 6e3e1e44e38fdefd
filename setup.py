from setuptools import find_packages, setup

setup(
    name="keras_gans",
    version="0.1.0",
    description="The classic GAN papers as Keras 3 models: fit, resume, distribute, serve.",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["keras_gans", "keras_gans.*"]),
    py_modules=["keras_gans_launcher"],  # the console script: sets up its process before it imports keras_gans
    # what the library reads at run time: the embedded Fashion-MNIST subset, the classifier behind FID/KID, presets
    package_data={"keras_gans.datasets": ["data/*.npz"], "keras_gans.evaluation": ["data/*.keras"],
                  "keras_gans.presets": ["data/*.npz", "data/*.json"],  # trained models and their cards
                  "keras_gans.kernels.native": ["*.cc"]},  # C++ ops, compiled on first use
    install_requires=[
        "tensorflow>=2.21,<2.22",
        "keras>=3.10",
        "tensorflow-datasets>=4.9",
        "pandas>=2.0",
        "tensorboard",
        "numpy",
        "pillow",
        "scipy",
        "matplotlib",
        "scikit-learn",  # the offline handwritten-digit domain (DTN): sklearn.datasets.load_digits
    ],
    extras_require={
        "cuda": ["tensorflow[and-cuda]>=2.21,<2.22"],
        "tuner": ["keras-tuner>=1.4.7"],
        # keras-gans export --format onnx (tf2onnx converts; ONNX Runtime runs the parity tests and benchmarks)
        "onnx": ["tf2onnx>=1.17", "onnx>=1.16", "onnxruntime>=1.18"],
        # the LiteRT interpreter (tf.lite.Interpreter's successor; TensorFlow's own is the fallback)
        "tflite": ['ai-edge-litert>=1.2; platform_system != "Windows"'],
        "test": ["pytest>=8", "pytest-xdist>=3.5", "scipy", "scikit-learn", "keras-tuner>=1.4.7",
                 "tensorflow-serving-api>=2.21,<2.22",  # the gRPC PredictRequest/PredictResponse protos
                 "gradio>=5,<6", "gradio_client", "selenium>=4"],  # the studio's HTTP API and browser tests
        "serving": ["tensorflow-serving-api>=2.21,<2.22"],  # gRPC clients (docs/serving.md)
        "benchmark": ["torch"],
        "studio": ["gradio>=5,<6"],  # keras-gans studio
    },
    entry_points={"console_scripts": ["keras-gans=keras_gans_launcher:main"]},
)
