"""DQN on CartPole-v1: nnlab vs Stable-Baselines3, same budget and hyper-parameters.

Both use RL-Zoo's tuned CartPole settings for SB3's DQN (lr 2.3e-3, batch 64, buffer
100k, learning_starts 1000, gamma 0.99, train_freq 256, gradient_steps 128, target
update every 10 steps, exploration 0.16 -> 0.04, net [256, 256], 50k steps).
nnlab-best keeps the weights of the best of the evaluations (10 episodes every 5k
steps) made during training (SB3's EvalCallback idea). Prints per seed: final mean return over 100 evaluation episodes (deterministic),
steps until the mean of the last 20 training episodes first reached 475, wall time.

    python benchmarks/rl_vs_sb3.py --seeds 0 1 2 [--steps 50000] [--threads 1]
"""
import argparse
import os
import time

import numpy as np
import torch


def steps_to(returns, steps, threshold=475.0, window=20):
    for i in range(window, len(returns) + 1):
        if np.mean(returns[i - window:i]) >= threshold:
            return steps[i - 1]
    return None


def run_nnlab(seed, steps, double, keep_best=False):
    import gymnasium as gym

    import nnlab
    from nnlab.layers import Dense
    from nnlab.rl import DQN, EvalCallback, evaluate_policy
    nnlab.set_seed(seed)
    net = nnlab.Sequential([Dense(256, activation="relu", input_shape=(4,)),
                            Dense(256, activation="relu"), Dense(2)])
    start = time.perf_counter()
    callbacks = [EvalCallback(gym.make("CartPole-v1"), 5_000, 10)] if keep_best else []
    agent = DQN(gym.make("CartPole-v1"), net, double=double, seed=seed, verbose=0)
    agent.learn(steps, callbacks=callbacks)
    wall = time.perf_counter() - start
    mean, std = evaluate_policy(agent, gym.make("CartPole-v1"), 100, seed=10_000)
    return mean, std, steps_to(agent.episode_returns, agent.episode_steps), wall


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
    start = time.perf_counter()
    model.learn(steps)
    wall = time.perf_counter() - start
    mean, std = evaluate_policy(model, Monitor(gym.make("CartPole-v1")), n_eval_episodes=100)
    rets = env.get_episode_rewards()
    return mean, std, steps_to(rets, list(np.cumsum(env.get_episode_lengths()))), wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", choices=["nnlab", "nnlab-double", "nnlab-best", "sb3"], nargs="*")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"load average {os.getloadavg()[0]:.1f}, torch threads {args.threads}")
    print(f"{'contestant':<14}{'seed':>5}{'return':>14}{'steps to 475':>14}{'wall s':>9}")
    contestants = {"nnlab": lambda s: run_nnlab(s, args.steps, False),
                   "nnlab-double": lambda s: run_nnlab(s, args.steps, True),
                   "nnlab-best": lambda s: run_nnlab(s, args.steps, False, keep_best=True),
                   "sb3": lambda s: run_sb3(s, args.steps)}
    for seed in args.seeds:
        for name in args.only or contestants:
            mean, std, first, wall = contestants[name](seed)
            print(f"{name:<14}{seed:>5}{mean:>8.1f} ±{std:>5.1f}{str(first):>14}{wall:>9.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
