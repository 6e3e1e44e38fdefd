"""Checks of what a traced (exported) graph contains, for tests of graphs that will be converted.

TFLite's built-in ops and ONNX take some TensorFlow graphs differently from TensorFlow itself:

- a ``tf.cond`` between two computations with the same weights makes a frozen graph carry them twice
  -> :func:`conds_with_weights`;
- tensors above 4-D do not convert to TFLite's built-in ``PAD`` (and other ops) -> :func:`max_rank`;
- tf2onnx lowers integer ``FloorMod`` / ``FloorDiv`` with truncating division, so they are exact only for
  non-negative operands -> :func:`negative_operands`, which evaluates their operands on example inputs.

Usage::

    fn = tf.function(f).get_concrete_function(tf.TensorSpec([None, None, None, 3]))
    assert "FloorMod" not in graph_ops(fn) or not negative_operands(fn, [images])
    assert max_rank(fn) <= 4
"""

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

# Integer ops that tf2onnx lowers with truncating division: exact only when no operand is negative.
TRUNCATED_IN_ONNX = ("FloorMod", "FloorDiv")


def _function_names(op):
    """Names of the functions an op calls (``If``'s branches, ``While``'s body, ``PartitionedCall`` ...)."""
    names = []
    for value in op.node_def.attr.values():
        if value.func.name:
            names.append(value.func.name)
        names.extend(f.name for f in value.list.func)
    return names


def graphs(concrete_function):
    """The function's graph and every nested function body it calls, each once."""
    seen, todo = {}, [concrete_function.graph]
    while todo:
        graph = todo.pop()
        if graph.name in seen:
            continue
        seen[graph.name] = graph
        for op in graph.get_operations():
            for name in _function_names(op):
                function = graph._get_function(name) or concrete_function.graph._get_function(name)
                if function is not None and name not in seen:
                    todo.append(function.graph)
    return list(seen.values())


def graph_ops(concrete_function):
    """The set of op types in a concrete function's graph, including nested function bodies."""
    return {op.type for graph in graphs(concrete_function) for op in graph.get_operations()}


def conds_with_weights(concrete_function, weight_ops=("Conv2D", "MatMul", "Conv2DBackpropInput")):
    """Names of the ``If`` / ``StatelessIf`` ops whose branches use weights (a convolution or matmul): after
    freezing, a converter carries both branches' copies of those weights."""
    found = []
    for graph in graphs(concrete_function):
        for op in graph.get_operations():
            if op.type not in ("If", "StatelessIf"):
                continue
            branches = [graph._get_function(name) or concrete_function.graph._get_function(name)
                        for name in _function_names(op)]
            # a branch that cannot be looked up would be a branch not checked: fail instead of passing
            assert None not in branches, f"{op.name}: a branch of {_function_names(op)} is not in the graph"
            if any(inner.type in weight_ops for branch in branches
                   for inner_graph in graphs_of(branch) for inner in inner_graph.get_operations()):
                found.append(op.name)
    return found


def graphs_of(function):
    """A traced function's graph and its nested bodies (for a branch of an ``If``)."""
    class _Wrapped:  # graphs() takes anything with a .graph
        graph = function.graph
    return graphs(_Wrapped)


def max_rank(concrete_function):
    """The highest rank of any tensor an op makes (nested bodies included; unknown ranks are skipped)."""
    ranks = [t.shape.rank for graph in graphs(concrete_function) for op in graph.get_operations()
             for t in op.outputs if t.shape.rank is not None]
    return max(ranks, default=0)


def negative_operands(concrete_function, args, op_types=TRUNCATED_IN_ONNX):
    """``{op name: smallest operand}`` for the ops of ``op_types`` that get a negative operand on ``args``.

    The function is frozen and inlined first (as the TFLite and ONNX converters do), so ops in nested
    bodies (``tf.cond``, Keras's calls) are evaluated too; an op in a branch not taken for these inputs
    is skipped. Empty when every such op computes the same in ONNX as in TensorFlow for these inputs.
    """
    frozen = convert_variables_to_constants_v2(concrete_function)
    graph_def = frozen.graph.as_graph_def()
    wrapped = tf.compat.v1.wrap_function(lambda: tf.graph_util.import_graph_def(graph_def, name=""), [])
    inputs = [wrapped.graph.get_tensor_by_name(t.name) for t in frozen.inputs]
    by_name = {t.name: tf.convert_to_tensor(arg) for t, arg in zip(inputs, args, strict=True)}

    def evaluate(tensors):
        pruned = wrapped.prune(inputs, tensors)
        # operands computed from constants only (shapes known when traced) make a function of no arguments
        return pruned(*[by_name[t.name] for t in pruned.inputs]) if pruned.inputs else pruned()

    checked = [op for op in wrapped.graph.get_operations() if op.type in op_types and op.inputs[0].dtype.is_integer]
    if not checked:  # no integer FloorMod / FloorDiv: nothing to evaluate
        return {}
    try:  # every operand in one pruned function (tracing one per op took 20 s for AdaIN's 45-op graph)
        flat = evaluate([t for op in checked for t in op.inputs])
        values, start = {}, 0
        for op in checked:
            values[op.name], start = flat[start:start + len(op.inputs)], start + len(op.inputs)
    except tf.errors.InvalidArgumentError:  # some op sits in a branch not taken: one at a time
        values = {}
        for op in checked:
            try:
                values[op.name] = evaluate(list(op.inputs))
            except tf.errors.InvalidArgumentError:  # a branch not taken for these inputs
                continue
        # a check that evaluated nothing proves nothing (this helper once found nothing for that reason)
        assert values, f"no operand of {[op.name for op in checked]} could be evaluated"
    found = {}
    for name, operands in values.items():
        smallest = min(int(np.min(v.numpy())) if np.size(v.numpy()) else 0 for v in operands)
        if smallest < 0:
            found[name] = smallest
    return found
