// Trains the seed's SimpleNet on Fashion-MNIST from C++ only (no Python):
// the same model, optimizer and batches as examples/fashion_mnist/train.py.
//
//   ./build/train_simplenet [data_dir] [epochs] [weights.pt]
//
// With a third argument the trained weights are saved there as a PyTorch
// state_dict: torch.load (or ember.load) reads it into the Python SimpleNet.
#include <chrono>
#include <cstdio>
#include <string>

#include "ember/ember.h"

using namespace ember;

struct SimpleNet : nn::Module {
  std::shared_ptr<nn::Flatten> flatten = register_module("flatten", std::make_shared<nn::Flatten>());
  std::shared_ptr<nn::Linear> fc1 = register_module("fc1", std::make_shared<nn::Linear>(28 * 28, 128));
  std::shared_ptr<nn::Functional> relu = register_module("relu", nn::ReLU());
  std::shared_ptr<nn::Linear> fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 10));

  Tensor forward(const Tensor& x) { return fc2->forward(relu->forward(fc1->forward(flatten->forward(x)))); }
  std::string name() const override { return "SimpleNet"; }
};

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  int epochs = argc > 2 ? std::stoi(argv[2]) : 5;
  std::string weights = argc > 3 ? argv[3] : "";
  try {
    manual_seed(0);
    auto [x_train, y_train] = data::load_mnist(root, "train");
    auto [x_test, y_test] = data::load_mnist(root, "test");
    auto model = std::make_shared<SimpleNet>();
    std::printf("%s\n", model->repr().c_str());
    optim::Adam optimizer(model->parameters(), {.lr = 1e-3});
    data::DataLoader loader(std::make_shared<data::TensorDataset>(x_train, y_train), {.batch_size = 64, .shuffle = true});
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      auto t0 = std::chrono::steady_clock::now();
      model->train();
      double total = 0;
      int64_t seen = 0;
      size_t batches = loader.num_batches(), b = 0;
      for (auto batch : loader) {
        Tensor loss = cross_entropy(model->forward(batch.data), batch.target);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        total += loss.item<double>() * double(batch.target.numel());
        seen += batch.target.numel();
        if (++b % 100 == 0 || b == batches) {
          std::printf("\repoch %d/%d [%zu/%zu] loss %.4f", epoch, epochs, b, batches, total / double(seen));
          std::fflush(stdout);
        }
      }
      model->eval();
      Tensor correct;
      {
        autograd::NoGradGuard ng;
        correct = sum(eq(argmax(model->forward(x_test), 1), y_test));
      }
      double acc = double(correct.item<int64_t>()) / double(y_test.numel());
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("\repoch %d: train loss %.4f  test accuracy %.2f%%  (%.1f s)\n", epoch, total / double(seen),
                  acc * 100, secs);
    }
    if (!weights.empty()) {
      serialize::save_state_dict(model->state_dict(), weights);
      std::printf("saved the weights to %s\n", weights.c_str());
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
