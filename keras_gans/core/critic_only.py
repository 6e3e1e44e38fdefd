"""Steps without the generator update, chosen one step at a time (WGAN's critic schedule).

A model whose schedule sometimes trains only the critic (WGAN: 100 critic steps for the first 25
generator steps and every 500th) cannot decide inside the compiled, replicated step:
``MirroredStrategy`` does not support a ``tf.cond`` around ``optimizer.apply_gradients``. So
:class:`CriticOnlySteps` compiles two step functions, ``train_step(data)`` and
``train_step(data, generator_update=False)``, and ``fit`` picks one per step in Python, outside
the replicated function, from :meth:`CriticOnlySteps.critic_only_now`.
"""


class CriticOnlySteps:
    """Mixin for a Keras model whose ``train_step(data, generator_update=True)`` can skip G's update.

    Put it before the model's base class (``class WGAN(CriticOnlySteps, WassersteinGame)``) and
    define :meth:`critic_only_now`.
    """

    def critic_only_now(self):
        """Python-side: should the next ``train_step`` skip the generator update?

        ``None`` means the model has no such schedule now (``fit`` then compiles the one usual
        step function, and ``steps_per_execution`` may be above 1).
        """
        raise NotImplementedError

    def make_train_function(self, force=False):
        if self.critic_only_now() is None:
            return super().make_train_function(force)
        if self.train_function is not None and not force:
            return self.train_function
        if self.steps_per_execution > 1:
            raise ValueError(f"{type(self).__name__} chooses critic-only steps one step at a time: "
                             "compile with steps_per_execution=1")
        full = self._make_function(self.train_step)
        critic_only = self._make_function(lambda data: self.train_step(data, generator_update=False))

        def train_function(iterator):
            return critic_only(iterator) if self.critic_only_now() else full(iterator)

        self.train_function = train_function
        return train_function
