"""ember.utils.data against torch.utils.data: datasets, samplers (the same random orders from the same
seeds), default collation and the DataLoader, single- and multi-process."""
import collections
import signal
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata

LIBS = [(ember, edata), (torch, tdata)]


def to_py(x):
    """Library objects -> comparable Python/numpy structures (tensors keep their dtype name)."""
    if isinstance(x, (torch.Tensor, ember.Tensor)):
        return ("T", str(x.dtype).split(".")[-1], tuple(x.shape), x.detach().numpy().tolist())
    if isinstance(x, dict):
        return {k: to_py(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(to_py(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [to_py(v) for v in x])
    return x


def same(a, b):
    assert to_py(a) == to_py(b)


@pytest.fixture
def deadline():
    """Worker tests must never hang: fail after 30 s."""
    def on_alarm(signum, frame):
        raise TimeoutError("DataLoader test exceeded 30 s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------ datasets
def test_tensor_dataset_subset_concat():
    for lib, d in LIBS:
        x = lib.arange(20.0).reshape(10, 2)
        y = lib.arange(10)
        ds = d.TensorDataset(x, y)
        assert len(ds) == 10
        xi, yi = ds[3]
        assert xi.tolist() == [6.0, 7.0] and int(yi) == 3
        sub = d.Subset(ds, [9, 0, 4])
        assert len(sub) == 3 and int(sub[0][1]) == 9 and int(sub[-1][1]) == 4
        cat = d.ConcatDataset([sub, ds])
        assert len(cat) == 13 and cat.cumulative_sizes == [3, 13]
        assert int(cat[3][1]) == 0 and int(cat[12][1]) == 9 and int(cat[-1][1]) == 9 and int(cat[-13][1]) == 9
        with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
            cat[-14]
        with pytest.raises(IndexError):
            cat[13]
        assert len(ds + sub) == 13
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            d.TensorDataset(x, lib.arange(9))
        with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
            d.ConcatDataset([])


class Squares:
    """Behaves like a map-style dataset for both libraries."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i >= self.n:
            raise IndexError(i)
        return i * i


def test_dataset_base_and_iterable():
    for lib, d in LIBS:
        with pytest.raises(NotImplementedError):
            d.Dataset()[0]

        class Count(d.IterableDataset):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n))
        chained = Count(3) + Count(2)
        assert list(chained) == [0, 1, 2, 0, 1]
        assert isinstance(chained, d.ChainDataset)
        with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
            d.ConcatDataset([Count(3)])


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [0.33, 0.33, 0.34], [10, 0]])
def test_random_split_matches_torch(lengths):
    res = []
    for lib, d in LIBS:
        g = lib.Generator().manual_seed(42)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = d.random_split(Squares(10), lengths, generator=g)
        res.append([p.indices for p in parts])
        assert all(isinstance(p, d.Subset) for p in parts)
        assert sorted(sum(res[-1], [])) == list(range(10))
    assert res[0] == res[1]


def test_random_split_global_generator_and_errors():
    res = []
    for lib, d in LIBS:
        lib.manual_seed(7)
        res.append([p.indices for p in d.random_split(range(12), [5, 7])])
        with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
            d.random_split(range(10), [3, 3])
        with pytest.raises(ValueError, match="Fraction at index 2 is not between 0 and 1"):
            d.random_split(range(10), [0.5, 0.7, -0.2])
        with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
            d.random_split(range(3), [1.0, 0.0])
    assert res[0] == res[1]


# ------------------------------------------------------------------ samplers
def test_sequential_and_batch_sampler():
    for lib, d in LIBS:
        s = d.SequentialSampler(range(7))
        assert list(s) == list(range(7)) and len(s) == 7
        assert list(d.BatchSampler(s, 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
        assert list(d.BatchSampler(s, 3, True)) == [[0, 1, 2], [3, 4, 5]]
        assert len(d.BatchSampler(s, 3, False)) == 3 and len(d.BatchSampler(s, 3, True)) == 2
        assert list(d.BatchSampler([5, 4, 3], 2, False)) == [[5, 4], [3]]


@pytest.mark.parametrize("kwargs", [dict(), dict(replacement=True), dict(num_samples=25), dict(num_samples=4),
                                    dict(replacement=True, num_samples=70)])
def test_random_sampler_matches_torch(kwargs):
    res = []
    for lib, d in LIBS:
        g = lib.Generator()
        g.manual_seed(123)
        s = d.RandomSampler(range(10), generator=g, **kwargs)
        order = [list(s), list(s)]  # two epochs continue the generator's stream
        assert len(s) == kwargs.get("num_samples", 10) == len(order[0])
        res.append(order)
    assert res[0] == res[1]
    if not kwargs.get("replacement") and "num_samples" not in kwargs:
        assert sorted(res[0][0]) == list(range(10))


def test_random_sampler_global_seed_matches_torch():
    res = []
    for lib, d in LIBS:
        lib.manual_seed(3)
        res.append(list(d.RandomSampler(range(15))))
    assert res[0] == res[1]


def test_subset_random_sampler_matches_torch():
    res = []
    for lib, d in LIBS:
        g = lib.Generator().manual_seed(5)
        res.append(list(d.SubsetRandomSampler([10, 20, 30, 40, 50], generator=g)))
    assert res[0] == res[1]
    assert sorted(res[0]) == [10, 20, 30, 40, 50]


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler(replacement):
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    res = []
    for lib, d in LIBS:
        g = lib.Generator().manual_seed(11)
        s = d.WeightedRandomSampler(weights, 5 if not replacement else 40, replacement=replacement, generator=g)
        res.append(list(s))
        assert len(s) == len(res[-1])
    if not replacement:
        assert len(set(res[0])) == 5
    assert all(0 <= i < 6 for i in res[0])
    if replacement:  # heavily weighted index 4 dominates
        assert res[0].count(4) > res[0].count(0)
    assert res[0] == res[1]


BAD_SAMPLERS = [
    lambda d: d.RandomSampler(range(3), replacement=1),
    lambda d: d.RandomSampler(range(3), num_samples=0),
    lambda d: d.RandomSampler([], num_samples=None),
    lambda d: d.WeightedRandomSampler([1.0, 2.0], 0),
    lambda d: d.WeightedRandomSampler([1.0, 2.0], True),
    lambda d: d.WeightedRandomSampler([1.0, 2.0], 2, replacement=0),
    lambda d: d.WeightedRandomSampler([[1.0, 2.0]], 2),
    lambda d: d.BatchSampler(range(3), 0, False),
    lambda d: d.BatchSampler(range(3), 2.0, False),
    lambda d: d.BatchSampler(range(3), 2, 1),
]


@pytest.mark.parametrize("i", range(len(BAD_SAMPLERS)))
def test_sampler_errors_match_torch(i):
    out = []
    for lib, d in LIBS:
        with pytest.raises((ValueError, TypeError)) as info:
            BAD_SAMPLERS[i](d)
        out.append((info.type, str(info.value)))
    assert out[0] == out[1]


# ------------------------------------------------------------------ collation
Point = collections.namedtuple("Point", ["x", "y"])


def samples(lib):
    rng = np.random.default_rng(0)
    return [
        [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
        [lib.tensor([[1, 2]], dtype=lib.int32), lib.tensor([[3, 4]], dtype=lib.int32)],
        [1, 2, 3],
        [1.5, 2.5],
        [True, False],
        [np.float32(1.5), np.float32(2.0)],
        [np.int16(3), np.int16(4)],
        [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3)).astype(np.float32)],
        [np.arange(3), np.arange(3, 6)],
        ["a", "bc"],
        [b"x", b"y"],
        [{"a": 1, "b": lib.tensor(2.0)}, {"a": 3, "b": lib.tensor(4.0)}],
        [(1, "s", 2.0), (3, "t", 4.0)],
        [[1, 2], [3, 4]],
        [Point(1, lib.tensor([1.0])), Point(2, lib.tensor([2.0]))],
        [{"nested": (np.ones(2), [1, 2])}, {"nested": (np.zeros(2), [3, 4])}],
        [lib.tensor(1), lib.tensor(2)],
    ]


@pytest.mark.parametrize("i", range(17))
def test_default_collate_matches_torch(i):
    ce = edata.default_collate(samples(ember)[i])
    ct = tdata.default_collate(samples(torch)[i])
    same(ce, ct)


@pytest.mark.parametrize("i", range(17))
def test_default_convert_matches_torch(i):
    for s_e, s_t in zip(samples(ember)[i], samples(torch)[i]):
        same(edata.default_convert(s_e), tdata.default_convert(s_t))


def test_default_collate_errors():
    for d in (edata, tdata):
        with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
            d.default_collate([[1, 2], [3]])
        with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
            d.default_collate([object(), object()])
        with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
            d.default_collate([np.array(["a"]), np.array(["b"])])


# ------------------------------------------------------------------ DataLoader
class Pairs:
    """Map-style dataset of (float feature vector, int label, string) samples."""

    def __init__(self, n=11):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, i * 0.5], dtype=np.float32), i % 3, f"s{i}"


def loader_pair(**kwargs):
    out = []
    for lib, d in LIBS:
        kw = dict(kwargs)
        if "generator_seed" in kw:
            kw["generator"] = lib.Generator().manual_seed(kw.pop("generator_seed"))
        out.append(d.DataLoader(Pairs(kw.pop("n", 11)), **kw))
    return out


@pytest.mark.parametrize("kwargs", [
    dict(), dict(batch_size=4), dict(batch_size=4, drop_last=True), dict(batch_size=None),
    dict(batch_size=3, shuffle=True, generator_seed=0), dict(batch_size=5, shuffle=True, generator_seed=9, n=23),
    dict(batch_size=4, pin_memory=True),
])
def test_dataloader_batches_match_torch(kwargs):
    le, lt = loader_pair(**kwargs)
    assert len(le) == len(lt)
    be, bt = list(le), list(lt)
    assert len(be) == len(bt) == len(le)
    for a, b in zip(be, bt):
        same(a, b)
    if kwargs.get("shuffle"):  # a second epoch continues the generator: a new, still matching, order
        be2, bt2 = list(le), list(lt)
        for a, b in zip(be2, bt2):
            same(a, b)
        assert to_py(be2) != to_py(be)


def test_dataloader_shuffle_global_seed_matches_torch():
    out = []
    for lib, d in LIBS:
        lib.manual_seed(1234)
        out.append([b[1].tolist() for b in d.DataLoader(Pairs(), batch_size=4, shuffle=True)])
    assert out[0] == out[1]


def test_dataloader_sampler_batch_sampler_collate_fn():
    for lib, d in LIBS:
        ds = Pairs()
        got = [b[1].tolist() for b in d.DataLoader(ds, batch_size=2, sampler=[10, 0, 5, 7, 1])]
        assert got == [[1, 0], [2, 1], [1]]
        got = [b[1].tolist() for b in d.DataLoader(ds, batch_sampler=[[1, 2, 3], [4], [0, 10]])]
        assert got == [[1, 2, 0], [1], [0, 1]]
        loader = d.DataLoader(ds, batch_size=3, collate_fn=lambda batch: [s[2] for s in batch])
        assert list(loader)[-1] == ["s9", "s10"]
        # without auto-batching the samples are only converted (numpy -> tensor)
        first = next(iter(d.DataLoader(ds, batch_size=None)))
        assert isinstance(first[0], lib.Tensor) and first[1] == 0


def test_dataloader_iterable_dataset():
    res = []
    for lib, d in LIBS:
        class Stream(d.IterableDataset):
            def __iter__(self):
                return iter([{"v": i, "t": lib.tensor([float(i)])} for i in range(7)])
        res.append([to_py(b) for b in d.DataLoader(Stream(), batch_size=3)])
        res.append([to_py(b) for b in d.DataLoader(Stream(), batch_size=3, drop_last=True)])
    assert res[0] == res[2] and res[1] == res[3]
    assert len(res[1]) == 2


LOADER_ERRORS = [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=3), dict(persistent_workers=True),
    dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
]


@pytest.mark.parametrize("kwargs", LOADER_ERRORS, ids=lambda k: "-".join(k))
def test_dataloader_errors_match_torch(kwargs):
    out = []
    for lib, d in LIBS:
        with pytest.raises(ValueError) as info:
            d.DataLoader(Pairs(), **kwargs)
        out.append(str(info.value))
    assert out[0] == out[1]


def test_dataloader_iterable_dataset_errors():
    out = []
    for lib, d in LIBS:
        class Stream(d.IterableDataset):
            def __iter__(self):
                return iter(range(3))
        for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
            with pytest.raises(ValueError) as info:
                d.DataLoader(Stream(), **kw)
            out.append(str(info.value).split(", but got")[0])
    assert out[:3] == out[3:]


# ------------------------------------------------------------------ worker processes
class WorkerTagged:
    """Each sample records which worker loaded it and that worker's seed."""

    def __init__(self, lib, d, n=10):
        self.lib, self.d, self.n = lib, d, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = self.d.get_worker_info()
        return i, info.id, info.num_workers, info.seed, info.dataset is not None


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_give_same_batches_in_order(deadline, shuffle):
    res = []
    for lib, d in LIBS:
        g = lib.Generator().manual_seed(77)
        loader = d.DataLoader(WorkerTagged(lib, d), batch_size=3, shuffle=shuffle, num_workers=2, generator=g,
                              timeout=20)
        res.append([to_py(b) for b in loader])
    assert res[0] == res[1]
    idx = [v for b in res[0] for v in b[1][0][3]]
    assert sorted(idx) == list(range(10))
    wids = [b[1][1][3] for b in res[0]]
    assert wids == [[0] * 3, [1] * 3, [0] * 3, [1]]  # round robin over the workers


def test_workers_same_as_single_process(deadline):
    e_single = [to_py(b) for b in edata.DataLoader(Pairs(23), batch_size=4)]
    e_multi = [to_py(b) for b in edata.DataLoader(Pairs(23), batch_size=4, num_workers=2, timeout=20)]
    assert e_single == e_multi


def _init_fn(worker_id):
    info = edata.get_worker_info()
    assert info.id == worker_id
    ember.manual_seed(1000 + worker_id)  # per-worker RNG state, used by the dataset below


class RandomValues:
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return float(ember.rand(()))


def test_worker_init_fn_and_get_worker_info(deadline):
    assert edata.get_worker_info() is None
    loader = edata.DataLoader(RandomValues(), batch_size=3, num_workers=2, worker_init_fn=_init_fn, timeout=20)
    batches = [b.tolist() for b in loader]
    ember.manual_seed(1000)
    first = [float(ember.rand(())) for _ in range(3)]
    ember.manual_seed(1001)
    second = [float(ember.rand(())) for _ in range(3)]
    np.testing.assert_allclose(batches, [first, second])


def test_iterable_dataset_sharded_by_worker(deadline):
    res = []
    for lib, d in LIBS:
        class Shards(d.IterableDataset):
            def __iter__(self):
                info = d.get_worker_info()
                return iter(range(info.id, 9, info.num_workers))
        res.append([b.tolist() for b in d.DataLoader(Shards(), batch_size=2, num_workers=2, timeout=20)])
    assert res[0] == res[1]


def test_persistent_workers(deadline):
    res = []
    for lib, d in LIBS:
        loader = d.DataLoader(WorkerTagged(lib, d, 7), batch_size=2, num_workers=2, persistent_workers=True,
                              generator=lib.Generator().manual_seed(3), timeout=20)
        epochs = [[to_py(b) for b in loader] for _ in range(2)]
        res.append(epochs)
    assert res[0] == res[1]
    assert res[0][0] == res[0][1]  # the same workers (same seeds) serve both epochs


class Failing:
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise KeyError("bad sample 2")
        return i


def test_worker_error_is_raised_in_main_process(deadline):
    for lib, d in LIBS:
        it = iter(d.DataLoader(Failing(), batch_size=1, num_workers=2, timeout=20))
        assert next(it).tolist() == [0]
        assert next(it).tolist() == [1]
        with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
            next(it)


def test_dataloader_len_with_workers_and_break(deadline):
    loader = edata.DataLoader(Pairs(50), batch_size=4, num_workers=2, timeout=20)
    assert len(loader) == 13
    for i, _ in enumerate(loader):
        if i == 1:
            break  # abandoning an iterator must shut its workers down without hanging
    assert len(list(loader)) == 13
