"""Turning numbers into pictures, drawn with numpy and Pillow (no Streamlit, no matplotlib figures).

- :mod:`app.draw.text`: the font, numbers as a student writes them, a line of text as a picture;
- :mod:`app.draw.colour`: colour tables, maps coloured for display, colour bars;
- :mod:`app.draw.grid`: the one number-grid renderer (kernels, inputs, outputs, steps);
- :mod:`app.draw.mosaic`: pictures side by side, tiles of maps and filters, overlays, boxes;
- :mod:`app.draw.steps`: one step of a convolution or pooling trace as pictures;
- :mod:`app.draw.encode`: PNG/JPEG bytes and showing a drawn picture;
- :mod:`app.draw.connectivity`: one unit's links to the layer below, dense beside convolutional.
"""
