"""ember's main job: train the seed's SimpleNet on Fashion-MNIST (8 epochs, Adam 1e-3, batch 64),
print loss and test accuracy per epoch, save the model."""
import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
if len(sys.argv) == 1:
    sys.argv += ["--model", "simplenet", "--epochs", "8", "--out", os.path.join(os.getcwd(), "simplenet.pt")]
runpy.run_path(os.path.join(here, "fashion_mnist", "train.py"), run_name="__main__")
