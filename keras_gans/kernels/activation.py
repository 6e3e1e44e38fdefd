"""LeakyReLU whose gradient reads the activation's output instead of its input, so oneDNN can fuse the activation.

A LeakyReLU's gradient is ``g`` where the input is positive and ``alpha * g`` elsewhere. TensorFlow's gradient
(``LeakyReluGrad``) reads the *input*, so in a training graph the convolution or batch norm before the activation
must hand its output to two consumers, and Grappler's remapper cannot fold the activation into it (the log line
``remapper failed: ... fanout 'LeakyReluGrad' exist for missing node``). For a slope ``alpha >= 0`` the output is
positive exactly where the input is, so :class:`FastLeakyReLU` gives ``LeakyReluGrad`` the output instead: the same
gradient, bit for bit (``tests/kernels/test_activation.py``, first and second order), and the forward activation
can run inside oneDNN's fused batch norm (``_MklNativeFusedBatchNormEx``) or convolution.

Measured on the AMX Xeon, 2 cores (DCGAN 32x32x3, batch 128, 3 interleaved rounds of fresh processes, median
images/s; ``python scripts/benchmarks/ab_commits.py --base 4ffbc49 --rounds 3 --name fast_leaky_relu_amx`` with this
layer in the DCGAN discriminator only, ``results/fast_leaky_relu_amx.md``): mixed bfloat16 1112 → 1207 (1.085x; the
three pairs 1.04, 1.08, 1.09); float32 509 → 513 (level). In the profile the forward ``LeakyRelu`` calls went from 18
to 6 per step: the activations after a batch norm run inside it. With the layer in every network, Pix2Pix 256x256
batch 1 in bfloat16 went 3.53 → 3.63 images/s (1.029x, 5 pairs, ``results/fast_leaky_relu_pix2pix_amx.md``) and
CycleGAN 256x256 batch 1 stayed level (0.973x, pairs 0.99/1.01/0.92, ``results/fast_leaky_relu_cyclegan_amx.md``:
its LeakyReLUs follow instance norm, which is not fused).
"""

import keras
import tensorflow as tf


def leaky_relu(x, alpha):
    """``tf.nn.leaky_relu(x, alpha)`` whose gradient is computed from the output (``alpha >= 0``; module docstring)."""

    @tf.custom_gradient
    def forward(x):
        y = tf.nn.leaky_relu(x, alpha)

        def backward(g):
            return tf.raw_ops.LeakyReluGrad(gradients=g, features=y, alpha=alpha)

        return y, backward

    return forward(x)


@keras.saving.register_keras_serializable(package="keras_gans")
class FastLeakyReLU(keras.layers.LeakyReLU):
    """``keras.layers.LeakyReLU`` whose gradient reads its output (module docstring). The same arguments and
    config (Keras refuses a negative slope, for which the output's sign would not be the input's)."""

    def call(self, inputs):
        if keras.backend.backend() != "tensorflow":
            return super().call(inputs)
        return leaky_relu(inputs, float(self.negative_slope))
