"""The rest of issue 8's external check: keras-io-style programs that need masking, custom
layers holding sublayers, ``ops``/``random`` and Keras 3's custom ``train_step`` (torch
backend form), written once and run twice: with ``keras = nnlab`` and with Keras 3 (the
dev-only oracle). Both runs must agree on parameter counts, output shapes and the
history's keys. Random data of the right shapes; a few samples, one epoch.
"""
import numpy as np
import pytest
import torch

import nnlab


def bidirectional_lstm(keras):
    """keras-io ``bidirectional_lstm_imdb``: pad_sequences, int Input, Embedding,
    two Bidirectional LSTMs."""
    layers = keras.layers
    max_features, maxlen = 200, 20
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, max_features, size=rng.integers(3, 30))) for _ in range(48)]
    x = keras.utils.pad_sequences(seqs, maxlen=maxlen)
    y = rng.integers(0, 2, size=(48,))
    inputs = keras.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(max_features, 16)(inputs)
    h = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(h)
    h = layers.Bidirectional(layers.LSTM(16))(h)
    outputs = layers.Dense(1, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:40], y[:40], batch_size=16, epochs=1, validation_data=(x[40:], y[40:]),
                        verbose=0)
    return model.count_params(), model.predict(x[:3], verbose=0).shape, \
        sorted(history.history), x.shape


def transformer_classifier(keras):
    """keras-io ``text_classification_with_transformer``: custom Layers holding
    sublayers (MultiHeadAttention, a Sequential FFN, LayerNormalization) and ``ops``."""
    layers, ops = keras.layers, keras.ops

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"),
                                         layers.Dense(embed_dim)])
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs):
            attn_output = self.dropout1(self.att(inputs, inputs))
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.dropout2(self.ffn(out1))
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = self.pos_emb(ops.arange(start=0, stop=maxlen, step=1))
            return self.token_emb(x) + positions

    vocab_size, maxlen, embed_dim = 300, 24, 16
    rng = np.random.default_rng(1)
    x = rng.integers(0, vocab_size, size=(40, maxlen))
    y = rng.integers(0, 2, size=(40,))
    inputs = layers.Input(shape=(maxlen,))
    h = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    h = TransformerBlock(embed_dim, 2, 32)(h)
    h = layers.GlobalAveragePooling1D()(h)
    h = layers.Dropout(0.1)(h)
    h = layers.Dense(20, activation="relu")(h)
    outputs = layers.Dense(2, activation="softmax")(layers.Dropout(0.1)(h))
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=1, validation_split=0.25, verbose=0)
    return model.count_params(), model.predict(x[:3], verbose=0).shape, \
        sorted(history.history), model.output_shape


def vae(keras):
    """keras-io ``vae`` with the torch backend's train_step: a Sampling layer with a
    SeedGenerator, encoder/decoder models, loss trackers in ``metrics``."""
    layers, ops = keras.layers, keras.ops

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    latent_dim = 2
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    h = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    h = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(h)
    h = layers.Dense(16, activation="relu")(layers.Flatten()(h))
    z_mean = layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(h)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = keras.Input(shape=(latent_dim,))
    h = layers.Dense(7 * 7 * 16, activation="relu")(latent_inputs)
    h = layers.Reshape((7, 7, 16))(h)
    h = layers.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(h)
    h = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(h)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(h)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder, self.decoder = encoder, decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
            self.built = True  # Keras 3 asks it of a model whose train_step does the calling

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.kl_loss_tracker]

        def train_step(self, data):
            x = data[0] if isinstance(data, (tuple, list)) else data
            self.zero_grad()
            z_mean, z_log_var, z = self.encoder(x, training=True)
            reconstruction = self.decoder(z, training=True)
            reconstruction_loss = ops.mean(ops.sum(
                keras.losses.binary_crossentropy(x, reconstruction), axis=(1, 2)))
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
            total_loss.backward()
            weights = list(self.trainable_weights)
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in weights], weights)
            self.total_loss_tracker.update_state(total_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {m.name: m.result() for m in self.metrics}

    x = np.random.default_rng(2).random((32, 28, 28, 1)).astype("float32")
    model = VAE(encoder, decoder)
    model.compile(optimizer=keras.optimizers.Adam())
    history = model.fit(x, epochs=1, batch_size=16, verbose=0)
    z = encoder.predict(x[:4], verbose=0)
    return encoder.count_params() + decoder.count_params(), [np.shape(t) for t in z], \
        sorted(history.history), decoder.output_shape


def dcgan(keras):
    """keras-io's GAN of "Customizing fit() with PyTorch": two sub-models, two optimizers
    passed to an overridden compile, loss trackers, keras.random with a SeedGenerator."""
    layers = keras.layers
    latent_dim = 16
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1)], name="discriminator")
    generator = keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(7 * 7 * 16),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((7, 7, 16)),
        layers.Conv2DTranspose(16, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(16, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid")], name="generator")

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator, self.generator = discriminator, generator
            self.latent_dim = latent_dim
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.built = True

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

        def train_step(self, real_images):
            if isinstance(real_images, (tuple, list)):
                real_images = real_images[0]
            real_images = torch.as_tensor(real_images)
            batch_size = real_images.shape[0]
            noise = keras.random.normal(shape=(batch_size, self.latent_dim),
                                        seed=self.seed_generator)
            combined = torch.concat([self.generator(noise), real_images], axis=0)
            labels = torch.concat([torch.ones((batch_size, 1)), torch.zeros((batch_size, 1))])
            labels += 0.05 * keras.random.uniform(labels.shape, seed=self.seed_generator)
            self.zero_grad()
            d_loss = self.loss_fn(labels, self.discriminator(combined))
            d_loss.backward()
            d_weights = self.discriminator.trainable_weights
            with torch.no_grad():
                self.d_optimizer.apply([v.value.grad for v in d_weights], d_weights)
            noise = keras.random.normal(shape=(batch_size, self.latent_dim),
                                        seed=self.seed_generator)
            self.zero_grad()
            g_loss = self.loss_fn(torch.zeros((batch_size, 1)),
                                  self.discriminator(self.generator(noise)))
            g_loss.backward()
            g_weights = self.generator.trainable_weights
            with torch.no_grad():
                self.g_optimizer.apply([v.value.grad for v in g_weights], g_weights)
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(),
                    "g_loss": self.g_loss_tracker.result()}

    gan = GAN(discriminator, generator, latent_dim)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
                g_optimizer=keras.optimizers.Adam(learning_rate=0.0003),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    x = np.random.default_rng(3).random((32, 28, 28, 1)).astype("float32")
    history = gan.fit(x, epochs=1, batch_size=16, verbose=0)
    samples = generator.predict(np.zeros((2, latent_dim), "float32"), verbose=0)
    return discriminator.count_params() + generator.count_params(), samples.shape, \
        sorted(history.history), discriminator.output_shape


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("program", [bidirectional_lstm, transformer_classifier, vae, dcgan],
                         ids=["bidirectional_lstm", "transformer", "vae", "dcgan"])
def test_program_runs_unchanged_and_agrees_with_keras(program, keras):
    torch.manual_seed(0)
    ours = program(nnlab)
    theirs = program(keras)
    assert [np.shape(o) if isinstance(o, np.ndarray) else o for o in ours] == \
        [np.shape(t) if isinstance(t, np.ndarray) else t for t in theirs]
