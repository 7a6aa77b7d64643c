"""Widget groups the pages share. Each function draws its widgets (keys start with the caller's
settings ``prefix``) and returns plain values or convcore objects; convcore checks the numbers and
these functions turn its ValueErrors into sentences on the page.

- :mod:`app.widgets.conv`: stride, padding, dilation, colour, how a map is shown;
- :mod:`app.widgets.kernels`: choosing or typing a filter, grids of typed numbers;
- :mod:`app.widgets.steps`: the step pages' input grid, kernels, clicks and downloads;
- :mod:`app.widgets.stepper`: previous / next / play through a trace;
- :mod:`app.widgets.exercises`: "predict the output" questions.
"""
