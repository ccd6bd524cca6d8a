"""The heads' file format and training loop on synthetic data (fast), independent of the shipped weights."""

import numpy as np
import pytest
import torch

from recognition.ml.attributes import heads, training


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 16)).astype(np.float32)
    age = np.expm1(2.5 + 0.8 * np.tanh(x[:, 0]))  # about 4 to 27 years, set by the first feature
    female = x[:, 1] + 0.2 * rng.normal(size=n) > 0
    return x, age, female


@pytest.fixture
def one_thread():
    """Tiny matrices: extra threads only add synchronisation, which costs seconds on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_training_learns_age_and_gender_and_views_are_averaged(one_thread):
    x, age, female = synthetic(600, 0)
    config = training.TrainingConfig(hidden=32, members=2, epochs=25, batch_size=64, lr=5e-3, seed=1)
    seen = []
    model = training.fit([x, x + 0.01], age, female, config, torch.device("cpu"),
                         progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (50, 50)
    xt, age_t, female_t = synthetic(300, 1)
    out = heads.predict(model, [xt], torch.device("cpu"))
    assert np.mean(np.abs(out.age - age_t)) < 2.5  # a constant guess scores about 5.0
    assert np.mean((out.p_female >= 0.5) == female_t) > 0.9
    both = heads.predict(model, [xt, xt + 0.5], torch.device("cpu"))
    shifted = heads.predict(model, [xt + 0.5], torch.device("cpu"))
    log_mean = (np.log1p(out.age) + np.log1p(shifted.age)) / 2
    np.testing.assert_allclose(np.log1p(both.age), log_mean, rtol=1e-4, atol=1e-4)


def test_linear_gender_head_is_blended_and_fitted_on_adults_only(one_thread):
    x, age, female = synthetic(600, 0)
    config = training.TrainingConfig(hidden=16, members=1, epochs=2, batch_size=64, linear_weight=0.7, seed=1)
    model = training.fit([x], age, female, config, torch.device("cpu"))
    xt = torch.from_numpy(x)
    z = (xt - model.mean) / model.std
    with torch.no_grad():
        _, logit = model(xt)
        members = model.members[0](z)[1]
        linear = model.linear_gender(z).squeeze(-1)
    torch.testing.assert_close(logit, 0.3 * members + 0.7 * linear)
    assert np.mean((linear.numpy() > 0) == female) > 0.9  # the second feature sets gender
    children = age < 18
    assert 100 < children.sum() < 500
    flipped = training.fit([x], age, np.where(children, ~female, female), config, torch.device("cpu"))
    torch.testing.assert_close(flipped.linear_gender.weight, model.linear_gender.weight)
    torch.testing.assert_close(flipped.linear_gender.bias, model.linear_gender.bias)


def test_training_is_reproducible(one_thread):
    """``train_attribute_heads`` must give the shipped file again, whatever ran before in the process."""
    x, age, female = synthetic(200, 0)
    config = training.TrainingConfig(hidden=8, members=2, epochs=2, batch_size=64, seed=3)
    first = training.fit([x], age, female, config, torch.device("cpu")).state_dict()
    torch.rand(5)
    second = training.fit([x], age, female, config, torch.device("cpu")).state_dict()
    for name, tensor in first.items():
        torch.testing.assert_close(second[name], tensor, rtol=0, atol=0)


def test_save_and_load_round_trip_without_pickled_objects(tmp_path):
    model = heads.AttributeHeads(in_dim=16, hidden=8, members=2, linear_weight=0.5)
    torch.nn.init.normal_(model.linear_gender.weight)
    path = tmp_path / "heads.pt"
    heads.save(model, path, metadata={"version": "t", "validation": {"age_mae": 5.0}})
    loaded, metadata = heads.load(path, torch.device("cpu"))
    assert metadata["validation"]["age_mae"] == 5.0
    x = np.random.default_rng(0).normal(size=(4, 16))
    a = heads.predict(model.eval(), [x], torch.device("cpu"))
    b = heads.predict(loaded, [x], torch.device("cpu"))
    np.testing.assert_allclose(a.age, b.age, rtol=1e-6)
    np.testing.assert_allclose(a.p_female, b.p_female, rtol=1e-6)
    assert loaded.linear_weight == 0.5
    payload = torch.load(path, weights_only=True)  # refuses arbitrary pickled objects
    assert payload["format"] == heads.FORMAT


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"format": "something-else"}, path)
    with pytest.raises(ValueError, match="not an attribute-heads file"):
        heads.load(path, torch.device("cpu"))


def test_outputs_as_dicts():
    out = heads.AgeGender(age=np.array([31.26, 4.0]), p_female=np.array([0.2, 0.93])).as_dicts()
    assert out[0] == {"age": {"years": 31.3, "band": "25-34"},
                      "gender": {"label": "male", "probability": 0.8, "p_female": 0.2}}
    assert out[1]["gender"] == {"label": "female", "probability": 0.93, "p_female": 0.93}
    assert out[1]["age"]["band"] == "3-9"
