"""Checks shared by the kernel tests: second-order gradients and TFLite conversion."""

import tensorflow as tf


def penalty_gradients(layer, kernel, x):
    """d/d(x, kernel) of a gradient penalty ``sum((d sum(sin(layer(x))) / dx)^2)``: what WGAN-GP and R1 differentiate
    (a custom gradient must itself be differentiable, by the input and by the kernel)."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.sin(layer(x)))
        penalty = tf.reduce_sum(tf.square(inner.gradient(y, x)))
    return outer.gradient(penalty, [x, kernel])


def tflite_builtins_output(concrete_function, x):
    """``concrete_function(x)`` converted to TFLite with its built-in ops only (no Flex) and run by its interpreter."""
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete_function])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # no Flex (SELECT_TF_OPS)
    interpreter = tf.lite.Interpreter(model_content=converter.convert())
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
