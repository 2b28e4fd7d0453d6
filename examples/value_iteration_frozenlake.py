"""Value iteration, policy iteration and Q-learning on FrozenLake (CS231n lecture 14).

    python examples/value_iteration_frozenlake.py [--out docs/img/rl]

Prints V*(start), the optimal policy's success rate over 10,000 episodes and the
success rate of tabular Q-learning after 20,000 episodes; draws the policy as arrows.
"""
import argparse
import os
import time

import gymnasium as gym

from nnlab.rl import (MDP, QLearning, linear_schedule, plot_frozenlake_policy,
                      policy_iteration, success_rate, value_iteration)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="rl_output")
    ap.add_argument("--episodes", type=int, default=20_000)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    env = gym.make("FrozenLake-v1")  # 4x4, slippery: the intended move happens 1/3 of the time
    mdp = MDP.from_gymnasium(env)

    start = time.perf_counter()
    vi = value_iteration(mdp, gamma=0.99)
    pi = policy_iteration(mdp, gamma=0.99)
    print(f"value iteration: {vi.iterations} sweeps, V*(start) = {vi.V[0]:.4f} "
          f"({time.perf_counter() - start:.2f} s with policy iteration)")
    print(f"policy iteration: {pi.iterations} improvements, same policy: "
          f"{(vi.policy == pi.policy).all()}")
    print(f"optimal policy success rate over 10,000 episodes: "
          f"{success_rate(vi.policy, env, 10_000, seed=0):.4f}")
    plot_frozenlake_policy(vi.policy, env, os.path.join(args.out, "frozenlake_policy.png"),
                           values=vi.V)

    start = time.perf_counter()
    agent = QLearning(env, learning_rate=linear_schedule(0.1, 0.01, 1.0), gamma=0.99,
                      exploration=linear_schedule(1.0, 0.01, 0.5), seed=0, verbose=0)
    agent.learn(args.episodes)
    greedy = agent.q_table.argmax(axis=1)
    print(f"Q-learning, {args.episodes} episodes ({time.perf_counter() - start:.1f} s): greedy "
          f"success rate {success_rate(greedy, env, 10_000, seed=1):.4f}, "
          f"agrees with the optimal policy on {(greedy == vi.policy).mean():.0%} of states")


if __name__ == "__main__":
    main()
