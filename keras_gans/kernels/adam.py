"""Adam with TensorFlow's fused update kernel (same update as ``keras.optimizers.Adam``).

Keras 3's Adam writes its update as separate element-wise ops (``m``, ``v``, ``sqrt``,
divide, assign), each a full pass over every weight. For Pix2Pix's 42M-parameter U-Net
one update took 217 ms on the 2-core CPU here, about a third of a training step and
more than PyTorch's Adam (166 ms). TensorFlow's ``ResourceApplyAdam`` kernel does the
same arithmetic in one multi-threaded pass: 31 ms (README, Performance).

The update is Kingma & Ba (2015), Algorithm 1 with the "epsilon hat" of Sec. 2, exactly
as Keras computes it::

    alpha = lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    m += (g - m) * (1 - beta_1);  v += (g * g - v) * (1 - beta_2)
    w -= alpha * m / (sqrt(v) + epsilon)

Weight decay, gradient clipping, EMA, loss scaling and ``tf.distribute`` are Keras's own
code paths around ``update_step``; AMSGrad and non-TensorFlow backends use Keras's step.
"""

import keras
import tensorflow as tf


# Registered as "keras_gans>Adam", its name before it moved here, so saved optimizers still load.
@keras.saving.register_keras_serializable(package="keras_gans", name="Adam")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose per-variable step is TensorFlow's fused kernel."""

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad or keras.backend.backend() != "tensorflow" or isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].value.handle, v=self._velocities[index].value.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step), lr=tf.cast(learning_rate, dtype),
            beta1=beta_1, beta2=beta_2, epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
            use_locking=False)

