"""Train the small Fashion-MNIST classifier whose features FID/KID use offline.

    python scripts/data/train_fashion_classifier.py [--epochs 6] [--out keras_gans/evaluation/data/fashion_mnist_classifier.keras]

Trains on the real 60k training images (``keras_gans.datasets.load_fashion_mnist``), reports the
accuracy on the 10k test images and saves the model atomically. Inputs are 28x28x1 images in
[-1, 1] (what the generators output); the layer named ``"features"`` (128-d, before the logits) is
the one :func:`keras_gans.evaluation.metrics.classifier_features` uses by default.
"""

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--out", default=os.path.join("keras_gans", "evaluation", "data", "fashion_mnist_classifier.keras"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    from keras_gans.callbacks import save_model_atomically
    from keras_gans.datasets import load_fashion_mnist, scale_images
    from keras_gans.networks.classifier import build_classifier

    keras.utils.set_random_seed(args.seed)
    x_train, y_train = load_fashion_mnist("train")
    x_test, y_test = load_fashion_mnist("test")
    x_train, x_test = scale_images(x_train), scale_images(x_test)
    model = build_classifier(seed=args.seed)
    steps = args.epochs * (len(x_train) // args.batch_size)
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    # light augmentation: random horizontal flips (Fashion-MNIST classes are left/right symmetric)
    train = (tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(60000, seed=args.seed)
             .batch(args.batch_size, drop_remainder=True)
             .map(lambda x, y: (tf.image.random_flip_left_right(x, seed=args.seed), y))
             .prefetch(tf.data.AUTOTUNE))
    model.fit(train, epochs=args.epochs, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    path = save_model_atomically(model, args.out)
    size = os.path.getsize(path)
    print(f"test accuracy {accuracy:.4f} (loss {loss:.4f}) on {len(x_test)} images; "
          f"{model.count_params()} parameters; saved {path} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
