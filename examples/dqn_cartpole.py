"""DQN (replay buffer + target network) and REINFORCE with a baseline on CartPole-v1.

    python examples/dqn_cartpole.py [--steps 50000] [--episodes 1000] [--out DIR]
    python examples/dqn_cartpole.py --dqn-only --seeds 0 1 2 [--sb3] [--init torch|glorot]

Both networks are ordinary nnlab models; the learning curves go to DIR/cartpole.png, and
the DQN curve of every seed to DIR/dqn_seeds.png.
DQN uses RL-Zoo's CartPole-v1 settings (nnlab's DQN defaults) and is evaluated at the
end of training (final weights, 100 deterministic episodes). ``--init torch`` gives the
Q-network's Dense layers torch's own ``nn.Linear`` initialisation (what SB3's network
starts from) instead of Keras' Glorot-uniform kernels and zero biases. ``--sb3`` trains
Stable-Baselines3's DQN with the same settings beside it. ``--cpu-minutes`` stops each
DQN run at the first episode end after that much of this process's CPU time.
"""
import argparse
import math
import os
import time

import gymnasium as gym
import torch

import nnlab
from nnlab.layers import Dense
from nnlab.rl import DQN, REINFORCE, evaluate_policy, plot_learning_curve


def mlp(hidden, out, init="glorot"):
    def dense(units, fan_in, **kw):
        if init == "torch":   # nn.Linear's reset_parameters
            bound = 1 / math.sqrt(fan_in)
            kw.update(kernel_initializer=lambda t: torch.nn.init.kaiming_uniform_(
                t, a=math.sqrt(5)), bias_initializer=lambda t: torch.nn.init.uniform_(
                    t, -bound, bound))
        return Dense(units, **kw)
    return nnlab.Sequential([dense(hidden, 4, activation="relu", input_shape=(4,)),
                             dense(hidden, hidden, activation="relu"), dense(out, hidden)])


def run_dqn(seed, steps, init, cpu_minutes=None):
    nnlab.set_seed(seed)
    c0, t0 = time.process_time(), time.time()
    budget = [] if cpu_minutes is None else [
        lambda agent: time.process_time() - c0 < 60 * cpu_minutes]
    dqn = DQN(gym.make("CartPole-v1"), mlp(256, 2, init), seed=seed, verbose=0)
    dqn.learn(steps, callbacks=budget)
    mean, std = evaluate_policy(dqn, gym.make("CartPole-v1"), 100, seed=10_000)
    print(f"nnlab DQN ({init} init) seed {seed}: {dqn.num_timesteps} steps, evaluation over "
          f"100 episodes {mean:.1f} ± {std:.1f}; {time.process_time() - c0:.0f} s CPU, "
          f"{time.time() - t0:.0f} s wall, load {os.getloadavg()[0]:.1f}", flush=True)
    return dqn, mean


def run_sb3(seed, steps):
    from stable_baselines3 import DQN as SB3DQN
    from stable_baselines3.common.evaluation import evaluate_policy as sb3_evaluate
    from stable_baselines3.common.monitor import Monitor
    c0, t0 = time.process_time(), time.time()
    model = SB3DQN("MlpPolicy", gym.make("CartPole-v1"), learning_rate=2.3e-3, batch_size=64,
                   buffer_size=100_000, learning_starts=1000, gamma=0.99,
                   target_update_interval=10, train_freq=256, gradient_steps=128,
                   exploration_fraction=0.16, exploration_final_eps=0.04,
                   policy_kwargs=dict(net_arch=[256, 256]), seed=seed, verbose=0)
    model.learn(steps)
    env = Monitor(gym.make("CartPole-v1"))
    env.reset(seed=10_000)
    mean, std = sb3_evaluate(model, env, n_eval_episodes=100)
    print(f"SB3 DQN seed {seed}: evaluation over 100 episodes {mean:.1f} ± {std:.1f}; "
          f"{time.process_time() - c0:.0f} s CPU, {time.time() - t0:.0f} s wall, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    return mean


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--episodes", type=int, default=1_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--init", choices=["torch", "glorot"], default="torch")
    ap.add_argument("--cpu-minutes", type=float, default=None)
    ap.add_argument("--dqn-only", action="store_true")
    ap.add_argument("--sb3", action="store_true")
    ap.add_argument("--out", default="rl_output")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # tiny networks: one thread is fastest
    results, agents = {}, {}
    for seed in args.seeds:
        dqn, results[seed] = run_dqn(seed, args.steps, args.init, args.cpu_minutes)
        agents[f"DQN seed {seed} (eval {results[seed]:.0f})"] = dqn
        if args.sb3:
            run_sb3(seed, args.steps)
    dqn.save(os.path.join(args.out, "dqn_cartpole.safetensors"))
    plot_learning_curve(agents, os.path.join(args.out, "dqn_seeds.png"),
                        title=f"DQN on CartPole-v1, {args.steps:,} steps, RL-Zoo settings")
    if args.dqn_only:
        return results

    nnlab.set_seed(args.seeds[-1])
    pg = REINFORCE(gym.make("CartPole-v1"), mlp(128, 2), value_network=mlp(128, 1),
                   learning_rate=3e-3, seed=args.seeds[-1]).learn(episodes=args.episodes)
    mean, std = evaluate_policy(pg, gym.make("CartPole-v1"), 100, seed=10_000)
    print(f"REINFORCE + baseline: {args.episodes} episodes in {pg.train_time:.0f} s, "
          f"evaluation: {mean:.1f} ± {std:.1f}; gradient variance {pg.gradient_variance(20)}")
    plot_learning_curve({"DQN": dqn, "REINFORCE": pg}, os.path.join(args.out, "cartpole.png"),
                        title="CartPole-v1")
    return results


if __name__ == "__main__":
    main()
