"""PyTorch CPU peer of `npm run bench` (bench/trainer-bench.ts): the same training step as the trainer's Colored MNIST
MLP (392→390→390→2, Xavier-uniform weights, zero biases, Adam lr 1e-3, mean cross-entropy, the loss read back every
step) on fixed random data.
  --probe  prints {"torch": version, "blas": the BLAS library torch loaded} and exits (fails without torch)
  --serve  reads one JSON line per measurement, {"threads", "batch", "steps", "warmup"}, and answers {"rate": steps/s, "cpuRate": steps per CPU-second}"""
import ctypes
import json
import sys
import time

import torch


def openblas_libraries() -> list:
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as f:
        return sorted({line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line})


def set_threads(threads: int) -> None:
    """torch.set_num_threads sets ATen's OpenMP pool; OpenBLAS's own pthread pool (Debian's default libblas.so.3)
    is set here too, so that both peers run their matrix products on the same number of threads."""
    torch.set_num_threads(threads)
    for lib in openblas_libraries():
        fn = getattr(ctypes.CDLL(lib), "openblas_set_num_threads", None)
        if fn is not None:
            fn(threads)


def rate(threads: int, batch: int, steps: int, warmup: int) -> dict:
    set_threads(threads)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(392, 390), torch.nn.ReLU(), torch.nn.Linear(390, 390), torch.nn.ReLU(), torch.nn.Linear(390, 2))
    for m in net:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(batch, 392)
    y = torch.randint(0, 2, (batch,))

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    t0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return {"rate": steps / (time.perf_counter() - t0), "cpuRate": steps / (time.process_time() - cpu0)}


def loaded_blas() -> str:
    return ", ".join(openblas_libraries()) or "no BLAS library mapped"


if __name__ == "__main__":
    if "--probe" in sys.argv:
        print(json.dumps({"torch": torch.__version__, "blas": loaded_blas()}))
    elif "--serve" in sys.argv:
        for line in sys.stdin:
            q = json.loads(line)
            print(json.dumps(rate(q["threads"], q["batch"], q["steps"], q["warmup"])), flush=True)
    else:
        sys.exit(__doc__)
