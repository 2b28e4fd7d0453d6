"""The glibc malloc pinning: applied once at the first CPU fit, opt-out respected."""
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import numpy as np, nnlab
    from nnlab.utils import allocator
    {setup}
    print(allocator.malloc_state())
    m = nnlab.Sequential([nnlab.layers.Dense(2, input_shape=(3,))])
    m.compile("sgd", "mse")
    m.fit(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    print(allocator.malloc_state())
""")


def _run(setup: str, env_extra=None) -> list:
    import os
    env = dict(os.environ, **(env_extra or {}))
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(setup=setup)], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_first_fit_pins_and_opt_outs_are_respected():
    import platform
    expected = "pinned" if platform.libc_ver()[0] == "glibc" else "not glibc"
    assert _run("") == ["not yet", expected]
    assert _run("nnlab.config.set_malloc_tuning(False)") == ["disabled", "disabled"]
    assert _run("", {"NNLAB_MALLOC_TUNING": "0"}) == ["disabled", "disabled"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
@pytest.mark.parametrize("make", [
    "nnlab.adversarial.PGD(m, eps=0.1)", "nnlab.interpret.Saliency(m)",
    "m.compile('sgd', 'mse'); m.train_on_batch(torch.ones(4, 3), torch.ones(4, 2))",
    # a GradientTape-style loop: the optimizer's first apply on CPU variables
    "nnlab.optimizers.Adam().apply([torch.ones(2)], [torch.nn.Parameter(torch.zeros(2))])"])
def test_other_entry_points_pin_like_fit(make):
    """An attack or attribution made, a ``train_on_batch`` call, an optimizer's first
    ``apply``: each pins the allocator as the first fit does."""
    import platform
    expected = "pinned" if platform.libc_ver()[0] == "glibc" else "not glibc"
    script = textwrap.dedent(f"""
        import torch, nnlab, nnlab.adversarial, nnlab.interpret
        from nnlab.utils import allocator
        m = nnlab.Sequential([nnlab.layers.Dense(2, input_shape=(3,))])
        print(allocator.malloc_state())
        {make}
        print(allocator.malloc_state())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines() == ["not yet", expected]



PGD_FAULTS = textwrap.dedent("""
    import resource, torch, nnlab
    from nnlab.adversarial import PGD
    from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D
    from nnlab.utils import allocator
    torch.manual_seed(0)
    x, y = torch.rand(256, 28, 28, 1), torch.randint(0, 10, (256,))
    m = nnlab.Sequential([Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
                          MaxPooling2D((2, 2)), Conv2D(32, (3, 3), activation="relu"),
                          MaxPooling2D((2, 2)), Flatten(), Dense(10)])
    attack = PGD(m, eps=0.1, alpha=0.01, steps=4, random_start=False)  # pins the allocator
    attack(x, y)
    faults = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        attack(x, y)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    print(allocator.malloc_state(), max(faults))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_pinned_heap_keeps_an_attacks_freed_temporaries():
    """PGD on 256 MNIST-sized images frees more than 64 MiB per step. With the pinned
    512 MiB trim threshold the heap keeps it: later calls fault in at most a few thousand
    pages (0-5,400 in six runs here). At the old 64 MiB threshold the same script faulted 27k-65k
    pages per 4-step call, every call (the cause of PGD's slow, noisy timings)."""
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc only")
    out = subprocess.run([sys.executable, "-c", PGD_FAULTS], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "pinned"
    assert int(out[1]) < 15_000, f"{out[1]} page faults in a 4-step PGD call after the first"


LARGE_BLOCKS = textwrap.dedent("""
    import ctypes, resource, torch
    from nnlab.utils import allocator

    class MallInfo2(ctypes.Structure):  # glibc >= 2.33
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2

    def mmaps_for(gib):  # does a new block of gib GiB get an mmap of its own?
        before = libc.mallinfo2().hblks
        big = torch.empty(gib * 2 ** 28)  # never touched: no pages, no faults
        mapped = libc.mallinfo2().hblks - before
        del big
        return mapped

    def resident_mib():
        return int(open("/proc/self/statm").read().split()[1]) * 4096 // 2 ** 20

    def faults(n):  # page faults of n "forward passes" through 100 MiB activations
        x = torch.ones(25 * 2 ** 20)  # 100 MiB: above glibc's largest mmap threshold
        out = []
        for _ in range(n):
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            a = x * 2.0
            b = a + 1.0
            del a
            c = b * 3.0
            del b, c
            out.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
        return out
    model = torch.nn.Linear(2, 2)
    with allocator.reuse_large_blocks(model):
        with allocator.reuse_large_blocks(model):  # nested: the outer scope still holds
            pass
        inside = faults(12)
        print(allocator.large_blocks_reused(), mmaps_for(1))
    resident = resident_mib()
    released = allocator.release_memory()  # the heap's free blocks given back
    print(allocator.large_blocks_reused(), sum(inside[1:]), released,
          resident - resident_mib(), mmaps_for(4))  # more than the heap holds free
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_large_blocks_are_reused_inside_the_scope_and_mapped_outside():
    """A known answer: a 100 MiB temporary is mapped fresh (25.6k page faults) at every use
    with glibc's defaults, even pinned, so 11 passes through three of them fault 845k
    pages; inside ``reuse_large_blocks`` they come from the heap: 0 (17 of 24 runs here)
    or 102k faults (7 runs: four blocks, when a freed block lacked posix_memalign's slack)
    after the first pass, and even a 1 GiB block gets no mmap of its own (glibc's
    ``mallinfo2().hblks``). After the scope ``release_memory`` gives the heap's free
    blocks back (resident memory drops by the freed activations: 300-600 MiB in 20 runs)
    and a block larger than any the heap holds free (4 GiB) is mapped again: glibc's
    default. (A smaller one may still reuse a free heap block: 2 of 20 runs at 1 GiB.)"""
    import platform
    libc, version = platform.libc_ver()
    if libc != "glibc" or tuple(int(v) for v in version.split(".")[:2]) < (2, 33):
        pytest.skip("glibc >= 2.33 only (mallinfo2)")
    out = subprocess.run([sys.executable, "-c", LARGE_BLOCKS], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[:2] == ["True", "0"], f"inside the scope: {out[:2]}"
    assert out[2] == "False", out
    assert int(out[3]) < 8 * 25_600, f"{out[3]} faults in 11 passes after the first"
    assert out[4] == "True", "release_memory released nothing"
    assert int(out[5]) > 150, f"release_memory gave back only {out[5]} MiB"
    assert out[6] == "1", f"after the scope a 4 GiB block got {out[6]} mmaps, not 1"


def _recording_model(seen):
    """A Sequential whose forward notes whether large blocks are reused while it runs."""
    import nnlab
    from nnlab.utils import allocator

    def note(t):
        seen.append(allocator.large_blocks_reused())
        return t
    m = nnlab.Sequential([nnlab.layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                          nnlab.layers.Lambda(note), nnlab.layers.Flatten(),
                          nnlab.layers.Dense(3)])
    m.compile("adam", "sparse_categorical_crossentropy")
    return m


CALLS = {
    "fit": lambda m, x, y: m.fit(x.numpy(), y.numpy(), epochs=1, batch_size=4, verbose=0),
    "evaluate": lambda m, x, y: m.evaluate(x.numpy(), y.numpy(), verbose=0),
    "predict": lambda m, x, y: m.predict(x.numpy(), verbose=0),
    "train_on_batch": lambda m, x, y: m.train_on_batch(x.numpy(), y.numpy()),
    "PGD": lambda m, x, y: __import__("nnlab.adversarial").adversarial.PGD(
        m, eps=0.1, steps=2)(x, y),
    "Saliency": lambda m, x, y: __import__("nnlab.interpret").interpret.Saliency(
        m).attribute(x, target=y),
    "IntegratedGradients": lambda m, x, y: __import__("nnlab.interpret").interpret
    .IntegratedGradients(m).attribute(x, target=y, n_steps=4),
    "Occlusion": lambda m, x, y: __import__("nnlab.interpret").interpret.Occlusion(
        m).attribute(x, sliding_window_shapes=(4, 4), target=y),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
@pytest.mark.parametrize("call", sorted(CALLS))
def test_nnlab_computes_with_large_blocks_reused(call):
    """Every compute entry point runs its forward passes inside ``reuse_large_blocks``
    (a CPU model, the allocator pinned), and leaves the scope when it returns."""
    import platform
    import torch
    from nnlab.utils import allocator
    if platform.libc_ver()[0] != "glibc" or not allocator.tune_malloc():
        pytest.skip("glibc with tuning allowed only")
    seen = []
    model = _recording_model(seen)
    seen.clear()  # the forward that built the model
    x, y = torch.rand(8, 8, 8, 1), torch.randint(0, 3, (8,))
    CALLS[call](model, x, y)
    assert seen and all(seen), seen
    assert not allocator.large_blocks_reused()


def test_every_attribution_method_is_wrapped():
    """New ``Attribution`` subclasses must decorate ``attribute`` with
    ``reusing_large_blocks`` (GradCAM and GuidedBackprop included)."""
    import nnlab.interpret  # noqa: F401  (registers every subclass)
    from nnlab.interpret.saliency import Attribution

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    found = {c.__name__: hasattr(c.attribute, "__wrapped__") for c in subclasses(Attribution)}
    assert {"Saliency", "IntegratedGradients", "GradCAM", "Occlusion",
            "GuidedBackprop"} <= set(found)
    assert all(found.values()), found


def test_large_block_reuse_can_be_switched_off():
    """``nnlab.config.set_large_block_reuse(False)`` keeps the pinning but not the scope."""
    import nnlab
    import torch
    from nnlab.utils import allocator
    nnlab.config.set_large_block_reuse(False)
    try:
        with allocator.reuse_large_blocks(torch.nn.Linear(2, 2)):
            assert not allocator.large_blocks_reused()
    finally:
        nnlab.config.set_large_block_reuse(True)
    with allocator.reuse_large_blocks(torch.nn.Linear(2, 2)):
        assert allocator.large_blocks_reused() == (allocator.malloc_state() == "pinned")


def _loops():
    """nnlab's own training loops outside ``fit``, each on a few samples."""
    import torch
    from nnlab.vision.canvas_data import make_digit_canvases, make_localisation_set
    from nnlab.vision.localisation import train_localiser
    from nnlab.vision.segmentation import train_segmentation
    from nnlab.vision.train_detector import train_detector
    return {
        "train_detector": lambda: train_detector(make_digit_canvases(8, seed=0), epochs=1,
                                                 batch_size=4),
        "train_localiser": lambda: train_localiser(make_localisation_set(8, seed=0),
                                                   epochs=1, batch_size=4),
        "train_segmentation": lambda: train_segmentation(
            torch.rand(4, 16, 16, 1), torch.randint(0, 3, (4, 16, 16)), num_classes=3,
            epochs=1, batch_size=2),
    }


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
@pytest.mark.parametrize("loop", ["train_detector", "train_localiser", "train_segmentation"])
def test_nnlabs_own_training_loops_reuse_large_blocks(loop, monkeypatch):
    """The vision training loops (and ``train_fast_style``, ``JacobianAugmentation``, same
    code) take their optimizer steps inside ``reuse_large_blocks``."""
    import platform
    import torch
    from nnlab.utils import allocator
    if platform.libc_ver()[0] != "glibc" or not allocator.tune_malloc():
        pytest.skip("glibc with tuning allowed only")
    seen = []
    step = torch.optim.Adam.step

    def noted_step(self, *args, **kwargs):
        seen.append(allocator.large_blocks_reused())
        return step(self, *args, **kwargs)
    monkeypatch.setattr(torch.optim.Adam, "step", noted_step)
    _loops()[loop]()
    assert seen and all(seen), seen
    assert not allocator.large_blocks_reused()


OWN_LOOP = textwrap.dedent("""
    import resource, sys, torch, torch.nn.functional as F
    from torch import nn
    from nnlab.utils import allocator
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=False)  # torch's CPU default
    x, y = torch.rand(512, 784), torch.randint(0, 10, (512,))

    def faults(n):  # page faults of n textbook training steps
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(n):
            idx = torch.randint(0, 512, (128,))
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    faults(3)
    if sys.argv[1] == "scope":
        with allocator.reuse_large_blocks(model):
            faults(3)
            print(faults(20), allocator.malloc_state())
    else:
        faults(3)
        print(faults(20), allocator.malloc_state())
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_a_users_own_loop_inside_the_scope_stops_faulting():
    """The recipe docs/training.md gives a PyTorch user's own loop: a known answer in
    fresh processes. 20 steps of the textbook loop (784-512-10, batch 128, torch's default
    per-tensor Adam, whose 1.6 MB temporaries glibc trims and maps again) fault 16-21k
    pages with glibc's defaults; inside ``reuse_large_blocks(model)`` 0-392 (6 runs here)."""
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc only")

    def run(mode):
        out = subprocess.run([sys.executable, "-c", OWN_LOOP, mode], capture_output=True,
                             text=True, check=True).stdout.split()
        return int(out[0]), " ".join(out[1:])
    plain, state = run("plain")
    assert state == "not yet" and plain > 5_000, (plain, state)
    scoped, state = run("scope")
    assert state == "pinned" and scoped < 2_000, (scoped, state)
