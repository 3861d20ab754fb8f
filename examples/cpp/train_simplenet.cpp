// Trains the seed's SimpleNet on Fashion-MNIST from C++ only (no Python):
// the same model, optimizer and batches as examples/fashion_mnist/train.py.
//
//   ./build/train_simplenet [data_dir] [epochs] [weights.pt] [simplenet|cnn]
//
// With a third argument (not empty) the trained weights are saved there as a
// PyTorch state_dict: torch.load (or ember.load) reads it into the Python model.
// "cnn" trains the example's SmallCNN (two conv blocks) instead, with the same
// parameter names (features.0.weight, ..., classifier.3.bias).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "ember/ember.h"

using namespace ember;

struct SimpleNet : nn::UnaryModule {
  std::shared_ptr<nn::Flatten> flatten = register_module("flatten", std::make_shared<nn::Flatten>());
  std::shared_ptr<nn::Linear> fc1 = register_module("fc1", std::make_shared<nn::Linear>(28 * 28, 128));
  std::shared_ptr<nn::Functional> relu = register_module("relu", nn::ReLU());
  std::shared_ptr<nn::Linear> fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 10));

  Tensor forward(const Tensor& x) override { return fc2->forward(relu->forward(fc1->forward(flatten->forward(x)))); }
  std::string name() const override { return "SimpleNet"; }
};

struct SmallCNN : nn::UnaryModule {
  std::shared_ptr<nn::Sequential> features = register_module("features", std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
          std::make_shared<nn::Conv2d>(1, 32, Shape{3}, nn::Conv2dOptions{.padding = {1}}), nn::ReLU(),
          std::make_shared<nn::MaxPool2d>(Shape{2}),
          std::make_shared<nn::Conv2d>(32, 64, Shape{3}, nn::Conv2dOptions{.padding = {1}}), nn::ReLU(),
          std::make_shared<nn::MaxPool2d>(Shape{2})}));
  std::shared_ptr<nn::Sequential> classifier = register_module("classifier", std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
          std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(64 * 7 * 7, 128), nn::ReLU(),
          std::make_shared<nn::Linear>(128, 10)}));

  Tensor forward(const Tensor& x) override { return classifier->forward(features->forward(x)); }
  std::string name() const override { return "SmallCNN"; }
};

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  int epochs = argc > 2 ? std::stoi(argv[2]) : 5;
  std::string weights = argc > 3 ? argv[3] : "";
  std::string arch = argc > 4 ? argv[4] : "simplenet";
  try {
    manual_seed(0);
    auto [x_train, y_train] = data::load_mnist(root, "train");
    auto [x_test, y_test] = data::load_mnist(root, "test");
    if (arch != "simplenet" && arch != "cnn") {
      std::fprintf(stderr, "unknown model '%s' (simplenet or cnn)\n", arch.c_str());
      return 2;
    }
    std::shared_ptr<nn::UnaryModule> model;
    if (arch == "cnn") model = std::make_shared<SmallCNN>();
    else model = std::make_shared<SimpleNet>();
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
      int64_t correct = 0;
      {
        autograd::NoGradGuard ng;
        // in chunks: the CNN's activations for all 10000 images at once would need gigabytes
        for (int64_t start = 0; start < y_test.size(0); start += 1000) {
          int64_t len = std::min<int64_t>(1000, y_test.size(0) - start);
          Tensor pred = argmax(model->forward(x_test.narrow(0, start, len)), 1);
          correct += sum(eq(pred, y_test.narrow(0, start, len))).item<int64_t>();
        }
      }
      double acc = double(correct) / double(y_test.numel());
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
