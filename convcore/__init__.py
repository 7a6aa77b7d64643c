"""convcore: the convolution engine behind the visualizer.

Pure numpy/scipy: no Streamlit, no matplotlib, and no torch (the torch models live in
:mod:`convcore.nets`, imported on their own). Usable from a notebook::

    import convcore
    image = convcore.load_image("photo.jpg")
    edges = convcore.apply_filter(image, convcore.get_filter("sobel_x"), padding="same")

Modules, one topic each: :mod:`~convcore.geometry` (sizes, padding, receptive fields),
:mod:`~convcore.conv` (the engine), :mod:`~convcore.pooling`, :mod:`~convcore.steps` (every
window, product and sum), :mod:`~convcore.conv1d`, :mod:`~convcore.transpose`,
:mod:`~convcore.kernels` (named filters), :mod:`~convcore.apply` (filters on images),
:mod:`~convcore.layers` (networks as layer lists), :mod:`~convcore.networks` (whole networks,
layer by layer; :func:`explain_unit`, which needs torch, is imported on first use),
:mod:`~convcore.images`,
:mod:`~convcore.samples`.
For the lessons: :mod:`~convcore.compose` (two convolutions as one kernel),
:mod:`~convcore.equivariance` (a shift moves the map), :mod:`~convcore.conv3d` (video, volumes).
"""

from .apply import FilterInputs, apply_filter, filter_inputs
from .compose import ComposedKernel, TwoConvolutions, compose_kernels, two_convolutions
from .conv import conv2d, convolve2d
from .conv1d import conv1d, conv1d_steps
from .conv3d import AVERAGE_3D, TEMPORAL_DIFFERENCE, Conv3dStep, conv3d, conv3d_step, moving_square
from .equivariance import ConvShift, conv_shift
from .geometry import (
    ConvGeometry,
    ConvParams,
    ReceptiveField,
    conv_geometry,
    output_size,
    receptive_fields,
    same_padding,
)
from .images import ImageError, LoadedImage, decode_cost, load_image, open_image, to_grey
from .kernels import BANKS, FILTERS, Filter, FilterSpec, Param, custom_filter, get_bank, get_filter
from .layers import Layer, LayerRow, layer_stack, parameter_count
from .networks import NETWORKS, NetLayer, Network, network_layers
from .pooling import ShiftComparison, compare_shift, pool2d, pool_geometry, shift
from .samples import PATCHES, SAMPLES, crop_patch, patch_preset, sample_image, sample_preview
from .steps import ConvStep, ConvTrace, PoolStep, PoolTrace, conv2d_steps, pool2d_steps
from .transpose import conv_transpose2d, transpose_contributions

#: Names that need torch, imported on first use so that ``import convcore`` stays free of it.
_LAZY = {
    "explain_unit": "convcore.nets.explain",
    **{
        name: "convcore.nets.trust"
        for name in (
            "cascade",
            "fgsm",
            "fgsm_sweep",
            "occlusion",
            "randomize",
            "rank_correlation",
            "saliency",
            "sanity_check",
            "smallest_flip",
        )
    },
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'convcore' has no attribute {name!r}")


__all__ = [
    "BANKS",
    "AVERAGE_3D",
    "ConvGeometry",
    "ComposedKernel",
    "Conv3dStep",
    "ConvParams",
    "ConvStep",
    "ConvTrace",
    "ConvShift",
    "FILTERS",
    "NETWORKS",
    "NetLayer",
    "Network",
    "Filter",
    "FilterInputs",
    "FilterSpec",
    "ImageError",
    "Layer",
    "LayerRow",
    "LoadedImage",
    "PATCHES",
    "Param",
    "PoolStep",
    "PoolTrace",
    "ReceptiveField",
    "SAMPLES",
    "ShiftComparison",
    "TEMPORAL_DIFFERENCE",
    "TwoConvolutions",
    "apply_filter",
    "cascade",
    "filter_inputs",
    "compare_shift",
    "compose_kernels",
    "conv1d",
    "conv1d_steps",
    "conv2d",
    "conv2d_steps",
    "conv3d",
    "conv3d_step",
    "conv_geometry",
    "conv_shift",
    "conv_transpose2d",
    "convolve2d",
    "crop_patch",
    "custom_filter",
    "decode_cost",
    "explain_unit",
    "fgsm",
    "fgsm_sweep",
    "get_bank",
    "get_filter",
    "layer_stack",
    "network_layers",
    "occlusion",
    "load_image",
    "moving_square",
    "open_image",
    "output_size",
    "parameter_count",
    "patch_preset",
    "pool2d",
    "pool2d_steps",
    "randomize",
    "rank_correlation",
    "pool_geometry",
    "receptive_fields",
    "saliency",
    "same_padding",
    "sample_image",
    "sample_preview",
    "sanity_check",
    "shift",
    "smallest_flip",
    "to_grey",
    "transpose_contributions",
    "two_convolutions",
]
