"""Keras 3's custom-step contract: the patterns of keras-io's "Customizing what happens in
fit() with PyTorch", written as a Keras user writes them, driven by nnlab's fit."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers
from nnlab.callbacks import Callback


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")
    return x, y


def _functional(cls):
    inputs = nnlab.Input(shape=(8,))
    outputs = layers.Dense(1)(layers.Dense(16, activation="relu")(inputs))
    return cls(inputs, outputs)


STEPS = []


class GuideModel(nnlab.Model):
    """The guide's first example: compute_loss, optimizer.apply, self.metrics."""

    def train_step(self, data):
        STEPS.append(len(data))
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_overridden_train_step_is_what_fit_runs():
    x, y = _data()
    nnlab.set_seed(0)
    model = _functional(GuideModel)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    before = model.evaluate(x, y, verbose=0)
    STEPS.clear()
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert STEPS == [2] * (3 * 4)
    assert set(history.history) == {"loss", "mae"}
    assert history.history["loss"][-1] < history.history["loss"][0] < before[0]
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}  # via test_step
    val_x, val_y = x[48:], y[48:]
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(val_x, val_y,
                                                                          verbose=0)[0])


def test_custom_step_matches_builtin_step_numerically():
    x, y = _data()
    results = []
    for cls in (nnlab.Model, GuideModel):
        nnlab.set_seed(3)
        model = _functional(cls)
        model.compile(optimizer=nnlab.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        h = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        results.append((h.history, model.predict(x, verbose=0)))
    (h0, p0), (h1, p1) = results
    np.testing.assert_allclose(p0, p1, atol=1e-6)
    np.testing.assert_allclose(h0["loss"], h1["loss"], rtol=1e-5)
    np.testing.assert_allclose(h0["mae"], h1["mae"], rtol=1e-5)


loss_tracker = nnlab.metrics.Mean(name="loss")
mae_metric = nnlab.metrics.MeanAbsoluteError(name="mae")


class OwnTrackers(nnlab.Model):
    """The guide's second example: compile() without a loss, own trackers in metrics."""

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = nnlab.losses.mean_squared_error(y, y_pred).mean()
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        loss_tracker.update_state(loss)
        mae_metric.update_state(y, y_pred)
        return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

    @property
    def metrics(self):
        return [loss_tracker, mae_metric]


def test_compile_without_loss_and_own_metrics_reset_each_epoch():
    x, y = _data()
    model = _functional(OwnTrackers)
    model.compile(optimizer="adam")
    history = model.fit(x, y, epochs=2, batch_size=64, verbose=0)
    # one batch per epoch: a tracker reset at each epoch start holds just that batch
    assert loss_tracker.count == 1
    assert history.history["loss"][1] < history.history["loss"][0]


class WeightedModel(nnlab.Model):
    """The guide's sample_weight example, with apply_gradients and a test_step."""

    def train_step(self, data):
        x, y, sample_weight = data if len(data) == 3 else (*data, None)
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        loss.backward()
        self.optimizer.apply_gradients(zip([v.grad for v in self.trainable_weights],
                                           self.trainable_weights))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_sample_weight_reaches_the_step_and_evaluate_uses_test_step():
    x, y = _data()
    w = np.linspace(0.1, 1.0, len(x)).astype("float32")
    model = _functional(WeightedModel)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    seen = []
    orig = WeightedModel.train_step
    WeightedModel.train_step = lambda self, data: (seen.append(len(data)), orig(self, data))[1]
    try:
        model.fit(x, y, sample_weight=w, epochs=1, batch_size=32, verbose=0)
    finally:
        WeightedModel.train_step = orig
    assert seen == [3, 3]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    direct = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["mae"], np.abs(direct - y).mean(), rtol=1e-5)


class GAN(nnlab.Model):
    """The guide's GAN: two sub-models, two optimizers passed to an overridden compile."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = nnlab.metrics.Mean(name="d_loss")
        self.g_loss_tracker = nnlab.metrics.Mean(name="g_loss")
        self.built = True

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, (tuple, list)):
            real_images = real_images[0]
        batch_size = real_images.shape[0]
        z = torch.randn(batch_size, self.latent_dim)
        generated = self.generator(z)
        combined = torch.concat([generated, real_images], axis=0)
        labels = torch.concat([torch.ones((batch_size, 1)), torch.zeros((batch_size, 1))])
        labels += 0.05 * torch.rand(labels.shape)
        self.zero_grad()
        d_loss = self.loss_fn(labels, self.discriminator(combined))
        d_loss.backward()
        grads = [v.value.grad for v in self.discriminator.trainable_weights]
        with torch.no_grad():
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        z = torch.randn(batch_size, self.latent_dim)
        self.zero_grad()
        g_loss = self.loss_fn(torch.zeros((batch_size, 1)),
                              self.discriminator(self.generator(z)))
        g_loss.backward()
        grads = [v.value.grad for v in self.generator.trainable_weights]
        with torch.no_grad():
            self.g_optimizer.apply(grads, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def _gan():
    disc = nnlab.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                             layers.Dense(1)])
    gen = nnlab.Sequential([layers.Dense(8, activation="relu", input_shape=(3,)),
                            layers.Dense(6)])
    gan = GAN(disc, gen, latent_dim=3)
    gan.compile(d_optimizer=nnlab.optimizers.Adam(learning_rate=3e-3),
                g_optimizer=nnlab.optimizers.Adam(learning_rate=3e-3),
                loss_fn=nnlab.losses.BinaryCrossentropy(from_logits=True))
    return gan


def _real(n=48):
    return np.random.default_rng(1).normal(1.0, 0.5, size=(n, 6)).astype("float32")


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.batches, self.epochs = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))


def test_gan_with_two_optimizers_trains_both_halves_with_callbacks(capsys):
    nnlab.set_seed(0)
    gan = _gan()
    d0 = [w.detach().clone() for w in gan.discriminator.trainable_weights]
    g0 = [w.detach().clone() for w in gan.generator.trainable_weights]
    rec = Recorder()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(
        torch.from_numpy(_real())), batch_size=16)
    history = gan.fit(loader, epochs=2, callbacks=[rec], verbose=1)
    assert set(history.history) == {"d_loss", "g_loss"} and len(history.epoch) == 2
    assert len(rec.batches) == 6 and set(rec.batches[0]) == {"d_loss", "g_loss"}
    assert rec.epochs[-1] == {k: v[-1] for k, v in history.history.items()}
    assert gan.d_optimizer.iterations == gan.g_optimizer.iterations == 6
    assert all(not torch.equal(a, b) for a, b in zip(d0, gan.discriminator.trainable_weights))
    assert all(not torch.equal(a, b) for a, b in zip(g0, gan.generator.trainable_weights))
    assert "Epoch 2/2" in capsys.readouterr().out


def _gan_state(gan):
    return ([w.detach().clone() for w in gan.weights],
            [gan.d_optimizer._torch.state_dict(), gan.g_optimizer._torch.state_dict()])


def test_gan_resume_restores_both_optimizers(tmp_path):
    real = _real()
    nnlab.set_seed(5)
    full = _gan()
    full.fit(real, epochs=3, batch_size=16, verbose=0)
    nnlab.set_seed(5)
    first = _gan()
    first.fit(real, epochs=2, batch_size=16, verbose=0, checkpoint_dir=tmp_path)
    resumed = _gan()  # a fresh process would build a fresh model and call the same fit
    history = resumed.fit(real, epochs=3, batch_size=16, verbose=0, checkpoint_dir=tmp_path)
    assert history.epoch == [0, 1, 2]
    (w_full, opt_full), (w_res, opt_res) = _gan_state(full), _gan_state(resumed)
    for a, b in zip(w_full, w_res):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    for a, b in zip(opt_full, opt_res):
        for key in a["state"]:
            torch.testing.assert_close(a["state"][key]["exp_avg"], b["state"][key]["exp_avg"])
    assert resumed.d_optimizer.iterations == full.d_optimizer.iterations == 9


def test_custom_predict_step_and_train_on_batch():
    class Doubling(nnlab.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

        def predict_step(self, data):
            return 2 * self(data)

    x, y = _data(8)
    model = Doubling()
    np.testing.assert_allclose(model.predict(x), 2 * model(torch.from_numpy(x)).detach().numpy(),
                               atol=1e-6)
    guide = _functional(GuideModel)
    guide.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    logs = guide.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}


def test_step_errors_name_the_problem():
    class NoLoss(nnlab.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            return self.compute_loss(y=y, y_pred=self(x))

    x, y = _data(8)
    model = NoLoss()
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(x, y, verbose=0)

    class NotADict(GuideModel):
        def train_step(self, data):
            super().train_step(data)
            return 1.0

    model = _functional(NotADict)
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(TypeError, match="train_step\\(\\) must return a dict"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        nnlab.optimizers.Adam().apply([None, None], [torch.nn.Parameter(torch.zeros(2))])


def test_optimizer_learning_rate_follows_the_built_optimizer():
    x, y = _data(16)
    model = _functional(GuideModel)
    model.compile(optimizer=nnlab.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.optimizer.learning_rate == pytest.approx(0.1)
    model.compiled.set_learning_rate(0.02)  # what LR callbacks do
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    model.optimizer.learning_rate = 0.5
    assert model.compiled.optimizer.param_groups[0]["lr"] == 0.5


def test_subclass_built_from_inputs_outputs_saves_and_loads(tmp_path):
    x, y = _data(16)
    model = _functional(GuideModel)
    model.save(tmp_path / "guide.nnlab")
    again = nnlab.load_model(tmp_path / "guide.nnlab", custom_objects={"GuideModel": GuideModel})
    assert isinstance(again, GuideModel) and isinstance(again, nnlab.Functional)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    again.compile(optimizer="sgd", loss="mse")
    STEPS.clear()
    again.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert STEPS == [2, 2]  # the loaded model still runs its own train_step
