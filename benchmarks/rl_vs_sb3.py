"""DQN on CartPole-v1: nnlab vs Stable-Baselines3, same budget and hyper-parameters, paired.

Both use RL-Zoo's tuned CartPole settings for SB3's DQN (lr 2.3e-3, batch 64, buffer
100k, learning_starts 1000, gamma 0.99, train_freq 256, gradient_steps 128, target
update every 10 steps, exploration 0.16 -> 0.04, net [256, 256], 50k steps). nnlab's
Q-network is ``examples/dqn_cartpole.py``'s (``--init torch``: nn.Linear's initialisation,
what SB3's network starts from), the code path and seeds of the slow test
``tests/rl/test_learning_slow.py::test_dqn_final_weights_reach_475_at_three_seeds``; the
returns in this process still differ from the slow test's at some seeds, for SB3 as well
(docs/rl.md: the process state changes the last bits, training is chaotic).

Per seed the two libraries run back to back in this process, the order alternating
(seed 0: nnlab first, seed 1: SB3 first, ...), so a change in machine load hits both.
Timed: ``learn()`` alone (construction and evaluation excluded), CPU seconds
(``time.process_time()``) and wall seconds. Printed per run: final mean return over 100
deterministic evaluation episodes, steps until the mean of the last 20 training episodes
first reached 475; per seed the paired ratios nnlab/SB3, then their medians.
``--also double best`` adds unpaired nnlab runs (Double DQN; EvalCallback's best weights).

    python benchmarks/rl_vs_sb3.py --seeds 0 1 2 [--steps 50000] [--threads 1]
"""
import argparse
import os
import runpy
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples",
                       "dqn_cartpole.py")


def steps_to(returns, steps, threshold=475.0, window=20):
    for i in range(window, len(returns) + 1):
        if np.mean(returns[i - window:i]) >= threshold:
            return steps[i - 1]
    return None


def timed(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - t0


def run_nnlab(seed, steps, double=False, keep_best=False):
    import gymnasium as gym

    import nnlab
    from nnlab.rl import DQN, EvalCallback, evaluate_policy
    mlp = runpy.run_path(EXAMPLE, run_name="nnlab_example")["mlp"]
    nnlab.set_seed(seed)
    agent = DQN(gym.make("CartPole-v1"), mlp(256, 2, "torch"), double=double, seed=seed,
                verbose=0)
    callbacks = [EvalCallback(gym.make("CartPole-v1"), 5_000, 10)] if keep_best else []
    cpu, wall = timed(lambda: agent.learn(steps, callbacks=callbacks))
    mean, std = evaluate_policy(agent, gym.make("CartPole-v1"), 100, seed=10_000)
    return mean, std, steps_to(agent.episode_returns, agent.episode_steps), cpu, wall


def run_sb3(seed, steps):
    import gymnasium as gym
    from stable_baselines3 import DQN as SB3DQN
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.monitor import Monitor
    env = Monitor(gym.make("CartPole-v1"))
    model = SB3DQN("MlpPolicy", env, learning_rate=2.3e-3, batch_size=64, buffer_size=100_000,
                   learning_starts=1000, gamma=0.99, target_update_interval=10, train_freq=256,
                   gradient_steps=128, exploration_fraction=0.16, exploration_final_eps=0.04,
                   policy_kwargs=dict(net_arch=[256, 256]), seed=seed, verbose=0)
    cpu, wall = timed(lambda: model.learn(steps))
    eval_env = Monitor(gym.make("CartPole-v1"))
    eval_env.reset(seed=10_000)
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=100)
    rets = env.get_episode_rewards()
    return mean, std, steps_to(rets, list(np.cumsum(env.get_episode_lengths()))), cpu, wall


def report(name, seed, result):
    mean, std, first, cpu, wall = result
    print(f"{name:<14}{seed:>5}{mean:>8.1f} ±{std:>5.1f}{str(first):>14}{cpu:>9.1f}"
          f"{wall:>9.1f}{os.getloadavg()[0]:>7.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--also", choices=["double", "best"], nargs="*", default=[])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(describe(args.threads))
    print(f"DQN CartPole-v1, {args.steps} steps; timed: learn() only")
    print(f"{'contestant':<14}{'seed':>5}{'return':>14}{'steps to 475':>14}{'CPU s':>9}"
          f"{'wall s':>9}{'load':>7}")
    ratios = []
    for k, seed in enumerate(args.seeds):
        order = ["nnlab", "sb3"] if k % 2 == 0 else ["sb3", "nnlab"]
        results = {}
        for name in order:
            results[name] = run_nnlab(seed, args.steps) if name == "nnlab" else \
                run_sb3(seed, args.steps)
            report(name, seed, results[name])
        cpu = results["nnlab"][3] / results["sb3"][3]
        wall = results["nnlab"][4] / results["sb3"][4]
        ratios.append((cpu, wall))
        print(f"{'nnlab/SB3':<14}{seed:>5}{'':>28}{cpu:>8.2f}x{wall:>8.2f}x", flush=True)
        for extra in args.also:
            report(f"nnlab-{extra}", seed, run_nnlab(seed, args.steps, double=extra == "double",
                                                      keep_best=extra == "best"))
    print(f"median nnlab/SB3 over {len(ratios)} seeds: CPU "
          f"{statistics.median(r[0] for r in ratios):.2f}x, wall "
          f"{statistics.median(r[1] for r in ratios):.2f}x")


if __name__ == "__main__":
    main()
