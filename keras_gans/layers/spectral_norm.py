"""Spectral normalization (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for Generative
Adversarial Networks", ICLR 2018, Algorithm 1), as a wrapper of any layer with a ``kernel``.

Why not ``keras.layers.SpectralNormalization``: in training mode it *overwrites the trainable kernel* with
``W / σ(W)`` and then lets the optimizer step on that normalized kernel, so the gradient never flows through
``σ(W)``. The paper keeps ``W`` as the parameter and differentiates ``W / σ(W)`` (its Section 2.2: the extra term
``-λ u₁v₁ᵀ`` that keeps ``W`` from being dominated by its first singular direction). This wrapper does that: ``W``
stays as the optimizer leaves it; every call computes ``W_SN = W / σ(W)`` and runs the wrapped layer with
``W_SN`` in place of ``W`` (through a ``keras.StatelessScope`` that maps the kernel variable to ``W_SN``), so
gradients reach ``W`` through both ``W`` and ``σ(W)``; ``u`` and ``v`` are constants for the gradient, as in the
authors' Chainer code (``source/functions/max_sv.py``).

Like the authors' ``SNConvolution2D``/``SNLinear``, every call runs ``power_iterations`` steps of the power method
from the stored ``u`` and the estimate is stored back only in training mode; at inference ``σ`` comes from the same
iteration, not stored. ``u`` is the same on every replica (it depends on the weights only, never on the data) and
is created with ``aggregation="only_first_replica"``, so ``MirroredStrategy`` keeps one value of it; ``.keras``
files save it, so a reloaded model continues from the same estimate.
"""

import keras
from keras import ops

#: added to ||x|| before dividing (the authors' ``_l2normalize``)
EPSILON = 1e-12


def _l2_normalize(x, epsilon):
    return x / (ops.sqrt(ops.sum(ops.square(x))) + epsilon)


class _KernelScope(keras.StatelessScope):
    """Reads of one variable return ``value``; everything else is looked up in the enclosing stateless scope
    (Keras's symbolic build runs in one), so only the kernel is replaced."""

    def __init__(self, variable, value):
        super().__init__(state_mapping=[(variable, value)], initialize_variables=False)

    def get_current_value(self, variable):
        value = super().get_current_value(variable)
        if value is None and self.original_scope is not None:
            return self.original_scope.get_current_value(variable)
        return value

    def add_update(self, update):
        if self.original_scope is None:
            raise RuntimeError("SpectralNormalization wraps layers without state updates (Conv, Dense, Embedding); "
                               f"{update[0].path} was assigned inside the wrapped layer's call")
        self.original_scope.add_update(update)


@keras.saving.register_keras_serializable(package="keras_gans")
class SpectralNormalization(keras.layers.Wrapper):
    """``layer`` computed with ``W / σ(W)``, ``σ`` the largest singular value of its kernel (Miyato et al. 2018).

    The kernel is read as a matrix ``(fan_in, units)`` (all axes but the last, by the last: Conv2D's
    ``(kh·kw·in, out)``, Dense's ``(in, out)``), the transpose of the paper's ``W``, which has the same σ.

    Args:
        layer: a layer with a ``kernel`` (Conv*, Dense) or ``embeddings`` (Embedding) variable, no activity
            regularizer.
        power_iterations: power-method steps per call (the paper: 1, reusing ``u`` across steps).
        epsilon: added to the norms the power method divides by.
        **kwargs: of ``keras.layers.Layer`` (``name``...). The dtype policy defaults to the wrapped layer's.
    """

    def __init__(self, layer, power_iterations=1, epsilon=EPSILON, **kwargs):
        if int(power_iterations) != power_iterations or power_iterations < 1:
            raise ValueError(f"power_iterations must be a positive integer, got {power_iterations!r}")
        if getattr(layer, "activity_regularizer", None) is not None:
            raise ValueError("SpectralNormalization cannot wrap a layer with an activity regularizer")
        kwargs.setdefault("dtype", layer.dtype_policy)
        kwargs.pop("autocast", None)
        # autocast=False: read W and u in float32 even under a mixed policy (the wrapped layer casts W_SN itself)
        super().__init__(layer, autocast=False, **kwargs)
        self.power_iterations = int(power_iterations)
        self.epsilon = float(epsilon)

    @property
    def kernel(self):
        """The wrapped layer's kernel variable (``W``, not normalized)."""
        for name in ("kernel", "embeddings"):
            variable = getattr(self.layer, name, None)
            if variable is not None:
                if not isinstance(variable, keras.Variable):
                    raise ValueError(f"{self.layer.name}.{name} is not a variable (LoRA or quantization?): "
                                     "SpectralNormalization needs the plain kernel")
                return variable
        raise ValueError(f"{type(self.layer).__name__} has no kernel or embeddings to normalize")

    def build(self, input_shape):
        super().build(input_shape)
        self.u = self.add_weight(
            name="u",
            shape=(1, self.kernel.shape[-1]),
            initializer=keras.initializers.RandomNormal(stddev=1.0),  # as the authors' np.random.normal
            trainable=False,
            dtype="float32",
            aggregation="only_first_replica",
        )
        self.built = True

    def power_iteration(self):
        """``(σ, u)``: ``power_iterations`` steps of the power method from the stored ``u`` (not stored).

        ``σ = uᵀ W v`` carries the gradient with respect to ``W``; ``u`` and ``v`` do not.
        """
        kernel = ops.cast(ops.convert_to_tensor(self.kernel), "float32")
        matrix = ops.reshape(kernel, (-1, kernel.shape[-1]))  # (fan_in, units)
        constant = ops.stop_gradient(matrix)
        u_old = ops.stop_gradient(ops.convert_to_tensor(self.u))  # (1, units)
        u = u_old
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(constant, ops.transpose(u)), self.epsilon)  # (fan_in, 1)
            u = _l2_normalize(ops.matmul(ops.transpose(v), constant), self.epsilon)  # (1, units)
        sigma = ops.sum(ops.matmul(ops.transpose(v), matrix) * u)
        # An all-zero kernel has no direction: leave it (σ = 1) and keep u, instead of dividing 0 by 0.
        degenerate = sigma <= self.epsilon
        return ops.where(degenerate, 1.0, sigma), ops.where(degenerate, u_old, u)

    def normalized_kernel(self):
        """``W / σ(W)`` with ``σ`` from the stored ``u`` (what an inference call uses)."""
        sigma, _ = self.power_iteration()
        return ops.cast(self.kernel, "float32") / sigma

    def call(self, inputs, training=None):
        sigma, u = self.power_iteration()
        if training:
            self.u.assign(u)
        kernel = self.kernel
        normalized = ops.cast(ops.convert_to_tensor(kernel), "float32") / sigma
        with _KernelScope(kernel, normalized):
            return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(power_iterations=self.power_iterations, epsilon=self.epsilon)
        return config
