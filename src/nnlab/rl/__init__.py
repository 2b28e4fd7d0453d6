"""Reinforcement learning (CURRICULUM.md section 11): MDPs and dynamic programming,
tabular Q-learning / SARSA, DQN with replay and a target network, REINFORCE with a
baseline. Agents follow Stable-Baselines3's contract (``learn``, ``predict``, ``save``,
``load``) on Gymnasium environments (the optional extra ``rl``).
"""
from .agent import Agent, EvalCallback, StopOnReward
from .dqn import DQN
from .evaluation import (evaluate_policy, plot_frozenlake_policy, plot_learning_curve,
                         rolling_mean, success_rate)
from .mdp import MDP, Solution, policy_evaluation, policy_iteration, value_iteration
from .reinforce import REINFORCE, mean_return, reward_to_go
from .replay import ReplayBuffer
from .tabular import SARSA, QLearning, linear_schedule

__all__ = ["Agent", "DQN", "EvalCallback", "MDP", "QLearning", "REINFORCE", "ReplayBuffer", "SARSA",
           "Solution", "StopOnReward", "evaluate_policy", "linear_schedule", "mean_return",
           "plot_frozenlake_policy", "plot_learning_curve", "policy_evaluation",
           "policy_iteration", "reward_to_go", "rolling_mean", "success_rate",
           "value_iteration"]
