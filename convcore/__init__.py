"""convcore: the convolution engine behind the visualizer.

Pure numpy/scipy/torch: no Streamlit, no matplotlib. Usable from a notebook::

    import convcore
    image = convcore.load_image("photo.jpg")
    edges = convcore.apply_filter(image, convcore.get_filter("sobel_x"), padding="same")
"""

from .conv import ConvGeometry, conv2d, conv_geometry, convolve2d, output_size
from .filtering import apply_filter
from .filters import BANKS, FILTERS, Filter, FilterSpec, Param, custom_filter, get_bank, get_filter
from .images import ImageError, LoadedImage, load_image, open_image, to_grey
from .pooling import ShiftComparison, compare_shift, pool2d, pool_geometry, shift
from .samples import PATCHES, SAMPLES, crop_patch, patch_preset, sample_image
from .steps import ConvStep, ConvTrace, PoolStep, PoolTrace, conv2d_steps, pool2d_steps

__all__ = [
    "BANKS",
    "ConvGeometry",
    "ConvStep",
    "ConvTrace",
    "FILTERS",
    "Filter",
    "FilterSpec",
    "ImageError",
    "LoadedImage",
    "PATCHES",
    "Param",
    "PoolStep",
    "PoolTrace",
    "SAMPLES",
    "ShiftComparison",
    "apply_filter",
    "compare_shift",
    "conv2d",
    "conv2d_steps",
    "conv_geometry",
    "convolve2d",
    "crop_patch",
    "custom_filter",
    "get_bank",
    "get_filter",
    "load_image",
    "open_image",
    "output_size",
    "patch_preset",
    "pool2d",
    "pool2d_steps",
    "pool_geometry",
    "sample_image",
    "shift",
    "to_grey",
]
