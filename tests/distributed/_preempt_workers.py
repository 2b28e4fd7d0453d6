"""The ranks' side of tests/distributed/test_preemption_distributed.py (importable: the
processes are spawned). Each rank seeds its RNG with its rank, so every rank shuffles
its shard and draws its dropout masks from its own generator; a ReduceLROnPlateau halves
the learning rate after epoch 2, which every rank must do alike after a resume."""
import os
import signal

import torch

EPOCHS = 3  # 10 steps per epoch on each rank (80 training samples, batch 8)


class Crash(RuntimeError):
    """A failure of every rank at one step (a job killed as a whole): nothing is saved."""


def run(rank, ckpt, triggers=(), checkpoint_every=None):
    """One distributed fit; ``triggers``: ``(rank, kind, when)`` with kind ``"step"``
    (SIGTERM to this process after its step ``when``), ``"epoch_end"``, ``"kill"``
    (SIGKILL) or ``"crash"`` (raises :class:`Crash`: ends the fit, saving nothing).
    Returns ``(weights, history, steps trained here, how it ended)``: the exit code of
    the ``SystemExit``, ``"crash"``, or None when fit returned."""
    import nnlab
    from nnlab.callbacks import LambdaCallback, ReduceLROnPlateau
    from tests.reliability.preempt_case import compiled_model, data
    nnlab.set_seed(rank)
    x, y = data()
    model = compiled_model(learning_rate=0.05)  # ReduceLROnPlateau changes it
    # min_delta=10: no epoch after the first improves, so the rate is halved after
    # epoch 2: only if a resumed rank has the callback's state (best, wait) back
    plateau = ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5, min_delta=10)
    mine = [(kind, when) for r, kind, when in triggers if r == rank]
    steps = [0]

    def batch_end(batch, logs):
        steps[0] += 1
        if ("step", steps[0]) in mine:
            os.kill(os.getpid(), signal.SIGTERM)
        if ("kill", steps[0]) in mine:  # nothing gets to save (tests/distributed/elastic_script.py)
            os.kill(os.getpid(), signal.SIGKILL)
        if ("crash", steps[0]) in mine:
            raise Crash(f"crash after step {steps[0]}")

    def epoch_end(epoch, logs):
        if ("epoch_end", epoch) in mine:
            os.kill(os.getpid(), signal.SIGTERM)
    code, history = None, None
    try:
        history = model.fit(x, y, epochs=EPOCHS, batch_size=8, verbose=0, shuffle=True,
                            validation_split=0.2, distributed=True, checkpoint_dir=ckpt,
                            checkpoint_every=checkpoint_every,
                            callbacks=[plateau,
                                       LambdaCallback(on_train_batch_end=batch_end,
                                                      on_epoch_end=epoch_end)])
    except SystemExit as exc:
        code = exc.code
    except Crash:
        code = "crash"
    weights = [v.detach().numpy().copy() for v in model.state_dict().values()]  # picklable
    return weights, None if history is None else history.history, steps[0], code


def scenarios(rank, world, folder, cases):
    """The reference run, then each case: interrupted, its checkpoint, resumed."""
    out = {"reference": run(rank, os.path.join(folder, "ref")), "damaged": damaged(rank, folder)}
    for i, (triggers, every) in enumerate(cases):
        ckpt = os.path.join(folder, f"case{i}")
        stopped = run(rank, ckpt, triggers, every)
        state = torch.load(os.path.join(ckpt, "last.ckpt"), weights_only=True) \
            if rank == 0 else None
        saved = None if state is None else {
            "epoch": state["epoch"], "iterations": state["iterations"],
            "partial": None if state.get("partial") is None else
            (state["partial"]["epoch"], state["partial"]["batches"]),
            "ranks": len(state.get("ranks") or [])}
        out[i] = {"stopped": stopped[2:], "saved": saved, "resumed": run(rank, ckpt)}
    return out


def damaged(rank, folder):
    """Every rank meets a garbage ``last.ckpt`` with the same error (type, message)."""
    import torch.distributed as dist
    ckpt = os.path.join(folder, "damaged")
    if rank == 0:
        os.makedirs(ckpt)
        with open(os.path.join(ckpt, "last.ckpt"), "wb") as f:
            f.write(b"not a checkpoint\n" * 20)
    dist.barrier()
    try:
        run(rank, ckpt)
    except Exception as exc:  # noqa: BLE001 -- the test compares what each rank got
        return type(exc).__name__, str(exc)
    return None
