"""DataLoader: batches from a dataset, optionally loaded by worker processes."""
import itertools
import multiprocessing as mp
import os
import queue
import random
import threading
import warnings
from dataclasses import dataclass

from ... import _C
from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


@dataclass
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """In a DataLoader worker process: its WorkerInfo (id, num_workers, seed, dataset). None elsewhere."""
    return _worker_info


class _InfiniteConstantSampler:
    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterates over a dataset in batches.

    Supports batch_size, shuffle, sampler, batch_sampler, drop_last, collate_fn, num_workers (worker processes
    with prefetching), pin_memory (accepted; CPU tensors need no pinning), worker_init_fn, generator,
    prefetch_factor, persistent_workers and timeout, like torch.utils.data.DataLoader."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=2, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor != 2:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._persistent_iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._persistent_iterator is None:
                self._persistent_iterator = _MultiProcessIter(self)
            else:
                self._persistent_iterator._reset()
            return self._persistent_iterator
        return _MultiProcessIter(self)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                import math
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)


def _fetch(dataset, iterable, dataset_iter, auto_collation, collate_fn, index):
    """One batch (or one sample without auto-collation) from the dataset."""
    if iterable:
        if auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(dataset_iter))
                except StopIteration:
                    break
            if len(data) == 0:
                raise StopIteration
            return collate_fn(data)
        return collate_fn(next(dataset_iter))
    if auto_collation:
        if hasattr(dataset, "__getitems__") and dataset.__getitems__:
            data = dataset.__getitems__(index)
        else:
            data = [dataset[i] for i in index]
    else:
        data = dataset[index]
    return collate_fn(data)


def _draw_base_seed(loader):
    """The workers' base seed, drawn when an iterator is created (also without workers, as torch does, so
    a shuffle from the same generator sees the same stream)."""
    return int(_C.empty((), dtype=_C.int64).random_(generator=loader.generator).item())


class _SingleProcessIter:
    def __init__(self, loader):
        self._loader = loader
        self._sampler_iter = iter(loader._index_sampler)
        self._base_seed = _draw_base_seed(loader)
        self._dataset_iter = iter(loader.dataset) if loader._iterable else None
        self._drop_last = loader.drop_last

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        index = next(self._sampler_iter)
        ld = self._loader
        batch = _fetch(ld.dataset, ld._iterable, self._dataset_iter, ld._auto_collation, ld.collate_fn, index)
        if ld._iterable and ld._auto_collation and self._drop_last and len(index) > 0:
            n = _batch_len(batch)
            if n is not None and n < len(index):
                raise StopIteration
        return batch


def _batch_len(batch):
    if isinstance(batch, _C._TensorBase):
        return batch.size(0) if batch.dim() else None
    if isinstance(batch, (list, tuple)) and batch:
        return _batch_len(batch[0])
    if isinstance(batch, dict) and batch:
        return _batch_len(next(iter(batch.values())))
    return None


class _WorkerDone:
    pass


def _worker_loop(dataset, iterable, auto_collation, collate_fn, index_queue, result_queue, done_event, seed,
                 worker_id, num_workers, worker_init_fn):
    global _worker_info
    try:
        _C.set_num_threads(1)
        _C.manual_seed(seed)
        random.seed(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        dataset_iter = iter(dataset) if iterable else None
        exhausted = False
        while not done_event.is_set():
            try:
                task = index_queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if task is None:
                break
            send_idx, index = task
            if exhausted:
                result_queue.put((send_idx, _WorkerDone()))
                continue
            try:
                data = _fetch(dataset, iterable, dataset_iter, auto_collation, collate_fn, index)
            except StopIteration:
                exhausted = True
                data = _WorkerDone()
            except Exception as e:  # ship the error to the main process
                import traceback
                data = _WorkerError(type(e), f"Caught {type(e).__name__} in DataLoader worker process {worker_id}.\n"
                                    f"Original {traceback.format_exc()}")
            result_queue.put((send_idx, data))
    except KeyboardInterrupt:
        pass


class _WorkerError:
    def __init__(self, exc_type, msg):
        self.exc_type = exc_type
        self.msg = msg

    def reraise(self):
        try:
            err = self.exc_type(self.msg)
        except Exception:
            err = RuntimeError(self.msg)
        raise err


class _MultiProcessIter:
    """Worker processes fetch batches; the main process keeps prefetch_factor * num_workers in flight and
    returns batches in sampler order."""

    def __init__(self, loader):
        self._loader = loader
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = mp.get_context("fork")
        elif isinstance(ctx, str):
            ctx = mp.get_context(ctx)
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout if loader.timeout > 0 else None
        base_seed = _draw_base_seed(loader)
        self._done_event = ctx.Event()
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        for i in range(self._num_workers):
            iq = ctx.Queue()
            w = ctx.Process(target=_worker_loop, daemon=True,
                            args=(loader.dataset, loader._iterable, loader._auto_collation, loader.collate_fn, iq,
                                  self._result_queue, self._done_event, base_seed + i, i, self._num_workers,
                                  loader.worker_init_fn))
            w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._shutdown = False
        self._reset()

    def _reset(self):
        self._sampler_iter = iter(self._loader._index_sampler)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}  # send_idx -> worker id, or data once received
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        self._exhausted = False
        for _ in range(self._prefetch):
            self._try_put_index()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def _try_put_index(self):
        if self._exhausted:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            self._exhausted = True
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_cycle)
            if self._workers_status[wid]:
                break
        else:
            self._exhausted = True
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._send_idx += 1

    def _get(self):
        try:
            return self._result_queue.get(timeout=self._timeout if self._timeout else 5.0)
        except queue.Empty:
            if self._timeout:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            dead = [w.pid for w in self._workers if not w.is_alive()]
            if dead:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) exited unexpectedly")
            return None

    def __next__(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._workers_status[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._loader.persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                data = info[1]
                if isinstance(data, _WorkerDone):
                    continue
                return self._process(data)
            got = self._get()
            if got is None:
                continue
            idx, data = got
            if isinstance(data, _WorkerDone):
                wid = self._task_info[idx][0]
                if self._loader._iterable:
                    self._workers_status[wid] = False
            if idx != self._rcvd_idx:
                self._task_info[idx] += (data,)
                continue
            del self._task_info[idx]
            self._rcvd_idx += 1
            if isinstance(data, _WorkerDone):
                continue
            return self._process(data)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, _WorkerError):
            self._shutdown_workers()
            data.reraise()
        return data

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for q in self._index_queues:
            try:
                q.put(None)
            except Exception:
                pass
        for w in self._workers:
            w.join(timeout=5)
            if w.is_alive():
                w.terminate()
        for q in self._index_queues:
            q.cancel_join_thread()
            q.close()
        self._result_queue.cancel_join_thread()
        self._result_queue.close()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass
