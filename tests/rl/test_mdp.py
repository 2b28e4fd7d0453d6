"""Dynamic programming against an independent solution of the Bellman optimality
equations: the linear program  min sum_s V(s)  s.t.  V(s) >= R(s,a) + gamma P(s,a,.) V
(scipy's HiGHS), whose unique optimum is V*."""
import numpy as np
import pytest

from nnlab.rl import MDP, policy_evaluation, policy_iteration, success_rate, value_iteration

gym = pytest.importorskip("gymnasium")
linprog = pytest.importorskip("scipy.optimize").linprog


def lp_optimal_values(mdp: MDP, gamma: float) -> np.ndarray:
    live = np.flatnonzero(~mdp.terminal)
    n = len(live)
    rows, rhs = [], []
    for s_i, s in enumerate(live):
        for a in range(mdp.n_actions):
            row = -gamma * mdp.P[s, a, live]  # -(V(s) - gamma P V) <= -R
            row[s_i] += 1.0
            rows.append(-row)
            rhs.append(-mdp.R[s, a])
    res = linprog(np.ones(n), A_ub=np.array(rows), b_ub=np.array(rhs), bounds=[(None, None)] * n,
                  method="highs")
    assert res.success
    V = np.zeros(mdp.n_states)
    V[live] = res.x
    return V


@pytest.mark.parametrize("map_name", ["4x4", "8x8"])
def test_value_and_policy_iteration_match_the_lp_solution(map_name):
    env = gym.make("FrozenLake-v1", map_name=map_name)
    mdp = MDP.from_gymnasium(env)
    v_lp = lp_optimal_values(mdp, 0.99)
    vi = value_iteration(mdp, gamma=0.99, tol=1e-12)
    pi = policy_iteration(mdp, gamma=0.99)
    np.testing.assert_allclose(vi.V, v_lp, atol=1e-6)
    np.testing.assert_allclose(pi.V, v_lp, atol=1e-6)
    # the greedy policies are optimal: evaluating them gives V*
    np.testing.assert_allclose(policy_evaluation(mdp, vi.policy, 0.99), v_lp, atol=1e-6)


def test_frozenlake_optimal_success_rate_is_about_074():
    env = gym.make("FrozenLake-v1")
    solution = value_iteration(MDP.from_gymnasium(env), gamma=0.99)
    assert 0.72 <= success_rate(solution.policy, env, n_episodes=3000, seed=0) <= 0.78


def test_iterative_policy_evaluation_matches_the_exact_solve():
    mdp = MDP.from_gymnasium(gym.make("FrozenLake-v1"))
    policy = np.full((16, 4), 0.25)
    np.testing.assert_allclose(policy_evaluation(mdp, policy, 0.9, exact=False, tol=1e-12),
                               policy_evaluation(mdp, policy, 0.9), atol=1e-9)


def test_arrays_mdp_two_states_known_answer():
    # state 0: action 0 stays (+1), action 1 goes to terminal 1 (+5). gamma 0.9:
    # staying forever is worth 10 > 5, so V*(0) = 10 and the policy is 0.
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    R = np.array([[1.0, 5.0], [0.0, 0.0]])
    sol = value_iteration(MDP(P, R, terminal=[False, True]), gamma=0.9, tol=1e-12)
    assert sol.V[0] == pytest.approx(10.0, abs=1e-9)
    assert sol.policy[0] == 0


def test_bad_mdps_and_gamma_are_refused():
    P = np.full((2, 2, 2), 0.5)
    with pytest.raises(ValueError, match=r"R must have shape \(S, A\) = \(2, 2\)"):
        MDP(P, np.zeros(2))
    with pytest.raises(ValueError, match=r"P\[0, 0\] sums to 1.5"):
        MDP(P + np.eye(2)[None] * 0.5, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"gamma must be in \(0, 1\], got 1.5"):
        value_iteration(MDP(P, np.zeros((2, 2))), gamma=1.5)
    with pytest.raises(TypeError, match="transition table"):
        MDP.from_gymnasium(gym.make("CartPole-v1"))
