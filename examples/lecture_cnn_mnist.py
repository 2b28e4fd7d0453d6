"""The lecture's Keras CNN on MNIST, as written in the lecture, with nnlab's imports.

    python examples/lecture_cnn_mnist.py      (after `nnlab data fetch mnist`; else a 5k subset)
"""
import nnlab
from nnlab.callbacks import EarlyStopping
from nnlab.data import load_mnist
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D

nnlab.set_seed(0)
(x_train, y_train), (x_test, y_test) = load_mnist()
x_train = x_train.reshape(-1, 28, 28, 1) / 255.0
x_test = x_test.reshape(-1, 28, 28, 1) / 255.0

model = nnlab.Sequential()
model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
model.add(MaxPooling2D((2, 2)))
model.add(Conv2D(32, (3, 3), activation="relu"))
model.add(MaxPooling2D((2, 2)))
model.add(Flatten())
model.add(Dense(64, activation="relu"))
model.add(Dense(10, activation="softmax"))
model.summary()

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=128, epochs=2, validation_split=0.1,
                    callbacks=[EarlyStopping(patience=1, restore_best_weights=True)])
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {test_acc:.4f}")
history.plot("lecture_cnn_curves.png")
