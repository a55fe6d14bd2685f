// The engine benchmark's baseline: float32 matmul GFLOPS and the cost of one small op, measured
// with libtorch called directly from C++. bench/engine/matmul.ts measures the same through aigc,
// and bench/engine/run.mjs prints the two side by side.
//
// Thread settings follow aigc's defaults so the comparison is fair: libtorch's intra-op pool gets
// AIGC_NUM_THREADS threads, else one per available core, and OpenBLAS gets OPENBLAS_NUM_THREADS
// threads, else 1.
//
// Usage: matmul_native [--sizes 512,1024,2048] [--no-overhead]
// Prints one JSON line on stdout.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <sched.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Repeat counts for matmul, the same as in matmul.ts: 0.5-3 s per size at 100 GFLOPS.
struct MatmulPlan {
  int64_t size;
  int warmup;
  int repeats;
};

const MatmulPlan kDefaultPlans[] = {{512, 10, 201}, {1024, 3, 61}, {2048, 2, 15}};

// The small op: `kAddElements` float32 elements, timed in batches of `kOpsPerBatch` calls.
constexpr int64_t kAddElements = 16;
constexpr int kOpsPerBatch = 10000;
constexpr int kWarmupBatches = 2;
constexpr int kBatches = 21;

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Mirrors aigc's default: AIGC_NUM_THREADS when set, else the cores this process may run on.
int IntraOpThreads() {
  if (const char* value = std::getenv("AIGC_NUM_THREADS")) {
    const int threads = std::atoi(value);
    if (threads < 1) {
      std::fprintf(stderr, "matmul_native: AIGC_NUM_THREADS must be a positive integer, got '%s'\n",
                   value);
      std::exit(2);
    }
    return threads;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// OpenBLAS reads OPENBLAS_NUM_THREADS when it loads, before main, so the default of 1 has to be
// applied by calling openblas_set_num_threads, as aigc's addon does. Returns false when the linked
// BLAS is not OpenBLAS.
bool SetBlasThreads(int threads) {
  using SetThreads = void (*)(int);
  auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn == nullptr) return false;
  fn(threads);
  return true;
}

int BlasThreads() {
  const char* value = std::getenv("OPENBLAS_NUM_THREADS");
  return value == nullptr ? 1 : std::max(1, std::atoi(value));
}

struct MatmulResult {
  int64_t size;
  int repeats;
  double median_ms;
  double gflops;
};

MatmulResult BenchMatmul(const MatmulPlan& plan) {
  const at::Tensor a = at::randn({plan.size, plan.size});
  const at::Tensor b = at::randn({plan.size, plan.size});
  for (int i = 0; i < plan.warmup; i++) at::matmul(a, b);
  std::vector<double> seconds;
  for (int i = 0; i < plan.repeats; i++) {
    const Clock::time_point start = Clock::now();
    const at::Tensor c = at::matmul(a, b);
    seconds.push_back(SecondsSince(start));
  }
  const double median = Median(seconds);
  const double flops = 2.0 * plan.size * plan.size * plan.size;
  return {plan.size, plan.repeats, median * 1e3, flops / median / 1e9};
}

// Measures the median microseconds per at::add call, output allocation and release included.
double BenchAdd() {
  const at::Tensor a = at::randn({kAddElements});
  const at::Tensor b = at::randn({kAddElements});
  std::vector<double> per_op;
  for (int batch = 0; batch < kWarmupBatches + kBatches; batch++) {
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < kOpsPerBatch; i++) {
      const at::Tensor c = at::add(a, b);
    }
    const double seconds = SecondsSince(start);
    if (batch >= kWarmupBatches) per_op.push_back(seconds / kOpsPerBatch * 1e6);
  }
  return Median(per_op);
}

std::vector<MatmulPlan> ParsePlans(const char* list) {
  std::vector<MatmulPlan> plans;
  std::stringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ',')) {
    const int64_t size = std::atoll(item.c_str());
    if (size < 1) {
      std::fprintf(stderr, "matmul_native: invalid size '%s' in --sizes\n", item.c_str());
      std::exit(2);
    }
    MatmulPlan plan{size, 3, 11};
    for (const MatmulPlan& known : kDefaultPlans) {
      if (known.size == size) plan = known;
    }
    plans.push_back(plan);
  }
  return plans;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<MatmulPlan> plans(std::begin(kDefaultPlans), std::end(kDefaultPlans));
  bool overhead = true;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
      plans = ParsePlans(argv[++i]);
    } else if (std::strcmp(argv[i], "--no-overhead") == 0) {
      overhead = false;
    } else {
      std::fprintf(stderr, "usage: matmul_native [--sizes 512,1024,2048] [--no-overhead]\n");
      return 2;
    }
  }

  const int blas_threads = BlasThreads();
  const bool openblas = SetBlasThreads(blas_threads);
  at::set_num_threads(IntraOpThreads());
  at::manual_seed(0);

  std::printf("{\"impl\":\"libtorch\",\"torchVersion\":\"%s\",\"threads\":%d,", TORCH_VERSION,
              at::get_num_threads());
  std::printf("\"openblas\":%s,\"blasThreads\":%d,\"matmul\":[", openblas ? "true" : "false",
              blas_threads);
  for (size_t i = 0; i < plans.size(); i++) {
    const MatmulResult result = BenchMatmul(plans[i]);
    std::printf("%s{\"size\":%lld,\"repeats\":%d,\"medianMs\":%.4f,\"gflops\":%.2f}", i ? "," : "",
                static_cast<long long>(result.size), result.repeats, result.median_ms,
                result.gflops);
    std::fflush(stdout);
  }
  std::printf("]");
  if (overhead) {
    std::printf(",\"addElements\":%lld,\"overheadUs\":{\"add\":%.3f}",
                static_cast<long long>(kAddElements), BenchAdd());
  }
  std::printf("}\n");
  return 0;
}
