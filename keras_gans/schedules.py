"""Learning-rate schedules of the papers, as serializable Keras schedules.

A schedule is a function of ``optimizer.iterations``, which ``model.save`` keeps, so a
resumed run continues on the same curve.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``initial_learning_rate`` for ``constant_steps``, then linearly to 0 over ``decay_steps``.

    CycleGAN (Zhu et al. 2017, Sec. 4) and the pix2pix/CycleGAN reference code
    (``lr_policy="linear"``, ``n_epochs=100``, ``n_epochs_decay=100``): constant for the first
    half of training, then linear decay to zero. The reference steps once per epoch; this one
    per optimizer step, which is the same line sampled more finely.
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps):
        if constant_steps < 0 or decay_steps < 1:
            raise ValueError(f"constant_steps must be >= 0 and decay_steps >= 1, got {constant_steps}, {decay_steps}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        fraction = ops.clip((step - self.constant_steps) / float(self.decay_steps), 0.0, 1.0)
        return self.initial_learning_rate * (1.0 - fraction)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "constant_steps": self.constant_steps,
                "decay_steps": self.decay_steps}


def half_constant_half_decay(initial_learning_rate, total_steps):
    """The CycleGAN policy over ``total_steps`` steps: constant for the first half, then to 0."""
    if total_steps < 2:
        raise ValueError(f"total_steps must be >= 2, got {total_steps}")
    constant = total_steps // 2
    return ConstantThenLinearDecay(initial_learning_rate, constant, total_steps - constant)
