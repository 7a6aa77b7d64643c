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
from .pooling import pool2d, pool_geometry
from .samples import SAMPLES, sample_image

__all__ = [
    "BANKS",
    "ConvGeometry",
    "FILTERS",
    "Filter",
    "FilterSpec",
    "ImageError",
    "LoadedImage",
    "Param",
    "SAMPLES",
    "apply_filter",
    "conv2d",
    "conv_geometry",
    "convolve2d",
    "custom_filter",
    "get_bank",
    "get_filter",
    "load_image",
    "open_image",
    "output_size",
    "pool2d",
    "pool_geometry",
    "sample_image",
    "to_grey",
]
