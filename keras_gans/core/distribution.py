"""Randomness that does not depend on how a batch is split over replicas."""

import tensorflow as tf


def draw_for_global_batch(batch_size, draw):
    """``draw(n)`` for the *global* batch on every replica; return this replica's slice.

    Every replica holds the same (mirrored) seed state, so each draws the same
    ``batch_size * replicas`` values and keeps rows ``[r * batch_size, (r + 1) * batch_size)``:
    N replicas see exactly what one device would. Without a strategy it is ``draw(batch_size)``.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    values = draw(batch_size * replicas)
    if replicas == 1:
        return values
    start = context.replica_id_in_sync_group * batch_size
    return values[start : start + batch_size]
