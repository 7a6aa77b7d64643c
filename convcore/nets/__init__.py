"""The torch part of convcore: AlexNet, a LeNet-5 for digits and Tiny VGG, built from :mod:`convcore.layers`.

Import the modules themselves (``from convcore.nets import alexnet, weights, lenet, digits``):
this package imports nothing, so ``import convcore.nets`` stays free of torch.

- :mod:`convcore.nets.alexnet`: the model, preprocessing, labels, layer outputs, Grad-CAM.
- :mod:`convcore.nets.weights`: finding, downloading and checking the pretrained weights
  (``python -m convcore.nets.weights``).
- :mod:`convcore.nets.lenet`: the digit CNN and its training loop (``python -m convcore.nets.lenet``).
- :mod:`convcore.nets.digits`: an MNIST-like digit set generated offline.
- :mod:`convcore.nets.tinyvgg`: CNN Explainer's Tiny VGG and its training (``python -m convcore.nets.tinyvgg``).
- :mod:`convcore.nets.optim`: Adam, bit for bit ``torch.optim.Adam``, without importing PyTorch's
  compiler (the training loops' optimiser).
- :mod:`convcore.nets.shapes`: coloured shapes and textures generated offline (Tiny VGG's data).
- :mod:`convcore.nets.explain`: every layer's output and any unit computed from the layer before
  (:func:`convcore.explain_unit`).
- :mod:`convcore.nets.trust`: occlusion, saliency (gradient, guided, SmoothGrad, Grad-CAM), FGSM and
  cascading randomisation, on any of them (issue 16).
"""
