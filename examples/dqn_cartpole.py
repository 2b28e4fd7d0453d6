"""DQN (replay buffer + target network) and REINFORCE with a baseline on CartPole-v1.

    python examples/dqn_cartpole.py [--steps 50000] [--episodes 1000] [--out DIR]

Both networks are ordinary nnlab models; the learning curves go to DIR/cartpole.png.
"""
import argparse
import os

import gymnasium as gym
import torch

import nnlab
from nnlab.layers import Dense
from nnlab.rl import DQN, REINFORCE, evaluate_policy, plot_learning_curve


def mlp(hidden, out):
    return nnlab.Sequential([Dense(hidden, activation="relu", input_shape=(4,)),
                             Dense(hidden, activation="relu"), Dense(out)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--episodes", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="rl_output")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # tiny networks: one thread is fastest
    nnlab.set_seed(args.seed)

    dqn = DQN(gym.make("CartPole-v1"), mlp(256, 2), seed=args.seed).learn(args.steps)
    mean, std = evaluate_policy(dqn, gym.make("CartPole-v1"), 100, seed=10_000)
    print(f"DQN: {args.steps} steps in {dqn.train_time:.0f} s, "
          f"evaluation over 100 episodes: {mean:.1f} ± {std:.1f}")
    dqn.save(os.path.join(args.out, "dqn_cartpole.safetensors"))

    pg = REINFORCE(gym.make("CartPole-v1"), mlp(128, 2), value_network=mlp(128, 1),
                   learning_rate=3e-3, seed=args.seed).learn(episodes=args.episodes)
    mean, std = evaluate_policy(pg, gym.make("CartPole-v1"), 100, seed=10_000)
    print(f"REINFORCE + baseline: {args.episodes} episodes in {pg.train_time:.0f} s, "
          f"evaluation: {mean:.1f} ± {std:.1f}; gradient variance {pg.gradient_variance(20)}")
    plot_learning_curve({"DQN": dqn, "REINFORCE": pg}, os.path.join(args.out, "cartpole.png"),
                        title="CartPole-v1")


if __name__ == "__main__":
    main()
