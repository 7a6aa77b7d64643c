"""The guided lesson: the classic CNN story as an ordered path of short steps over the app's pages.

Each step opens one page with exactly the settings and example it needs, through the page's own
share-link parameters (the bound widgets' keys and the values a link holds for them: a selectbox's
or radio's label, "true"/"false" for a toggle, numbers as numbers). ``lesson=N`` in the address
says which step is open: the Lessons page links carry it, the lesson bar (app/presenter.py) reads it
to link the previous and next steps, and a copied link keeps it. The sentences are checked against the
papers they name (LeCun et al. 1998; Krizhevsky et al. 2012; Krizhevsky 2014; Simonyan & Zisserman
2014; Zeiler & Fergus 2014; Adebayo et al. 2018); tests/test_lessons opens every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from app import links, registry, session

#: The query parameter naming the open step (1-based); never a widget's key.
PARAM = links.LESSON_PARAM
_DIGIT = {"image.source": "Sample", "image.sample": "Digit 7"}
_FOUR_EDGES = "Four edges of a stroke (top, left, bottom, right)"


@dataclass(frozen=True)
class Link:
    """A page with settings: ``params`` are its share link's query parameters; ``section`` the
    heading to scroll to when the step is below the first screen."""

    page: str
    params: dict[str, str | list[str]] = field(default_factory=dict)
    label: str = ""
    section: str = ""  # the start of the heading the page opens at (scrolled to), "" for the top


@dataclass(frozen=True)
class Step:
    """One step of the lesson: where it opens, what to say, what to ask, what the teacher should know."""

    title: str
    link: Link
    explain: str  # two sentences for the class
    question: str  # one question for the class
    answer: str  # hidden until asked for
    note: str  # for the teacher: what to do on the page, what to watch for
    also: tuple[Link, ...] = ()  # further pages for the same idea


STEPS: tuple[Step, ...] = (
    Step(
        "An image is numbers",
        Link(
            "conv_steps",
            {"cs.source": "Preset", "cs.preset": "Digit 7", "cs.size": "16", "cs.kernel.name": "Identity"},
        ),  # fmt: skip
        "A grey picture is a grid of numbers, one per pixel, from 0 (black) to 255 (white). This 7 is drawn like "
        "MNIST's handwritten digits, white on black, and averaged down to 16 x 16 so that every number can be read "
        "(MNIST's digits are 28 x 28).",
        "How many numbers describe one 28 x 28 MNIST digit? And a 224 x 224 colour photo?",
        "784 (28 x 28). The photo: 224 x 224 x 3 = 150,528, one number per pixel for each of red, green and blue.",
        "The kernel here is the identity (a 1 in the middle): the output copies the input (without its border at padding 0), so the class can "
        "concentrate on the grid. Point at a cell to see its value. Input > 'Crop of your image' shows the numbers "
        "of any photo in the sidebar.",
    ),
    Step(
        "One filter: the sliding sum of products",
        Link(
            "conv_steps",
            {"cs.source": "Preset", "cs.preset": "Digit 7", "cs.size": "10", "cs.kernel.name": "Top edge"},
        ),  # fmt: skip
        "The kernel lies on a window of the input: the numbers that meet are multiplied and the products added "
        "(plus a bias) to give one output number, and the kernel then slides to the next window. That sum is the "
        "dot product of the window and the kernel read as two vectors; for the two grids it is called the "
        "Frobenius inner product, the sum of their Hadamard (element-by-element) product.",
        "Where on the 7 will this top-edge kernel give its largest outputs?",
        "Along the top of the 7's bar, where the kernel's row of +1 lies on bright pixels and its row of -1 on the "
        "dark ground above them. At most 3 x 255 = 765.",
        "Press Next or Play to walk the windows; a click on an output cell jumps there. Ask a student to predict the "
        "next number before pressing Next (the exercise under the equation checks it).",
    ),
    Step(
        "Four edge filters on the 7: a filter bank",
        Link("filter_lab", {**_DIGIT, "lab.tab": "Filter bank", "bank.name": _FOUR_EDGES}),
        "A convolutional layer applies several filters to the same input, and each gives its own feature map. These "
        "four 3 x 3 filters of -1, 0 and 1 each answer one side of a light stroke on a dark ground: top, left, "
        "bottom and right.",
        "Which map shows the top of the 7's bar, and which its underside?",
        "The top-edge map (bright here, dark above) along the top of the bar, and the bottom-edge map (bright here, "
        "dark below) along its underside. The slanted stroke shows mostly in the left- and right-edge maps.",
        "The four kernels: top [[-1,-1,-1],[1,1,1],[0,0,0]], left [[-1,1,0],[-1,1,0],[-1,1,0]], bottom "
        "[[0,0,0],[1,1,1],[-1,-1,-1]], right [[0,1,-1],[0,1,-1],[0,1,-1]]. The link switches the sidebar's image to "
        "the sample Digit 7.",
    ),
    Step(
        "Sobel: a designed filter, and the flip",
        Link(
            "filter_lab", {"image.source": "Sample", "image.sample": "Grace Hopper", "lab.tab": "One filter"}
        ),
        "Sobel x was designed by hand (Sobel and Feldman, 1968): smoothing [1 2 1] down and a difference [-1 0 1] "
        "across, so it is positive where the picture gets brighter to the right. What CNNs call convolution is "
        "cross-correlation, the kernel used as it is; the convolution of mathematics first turns the kernel by 180 "
        "degrees.",
        "Turn on 'Flip the kernel'. What happens to the map, and would a CNN learn anything different?",
        "Sobel x turned by 180 degrees is minus Sobel x, so bright and dark edges swap. A CNN learns its kernels, so "
        "with flipped kernels it would simply learn the flipped ones: that is why deep learning skips the flip.",
        "The link opens with the sample photo: ask the students to upload their own (sidebar, Upload or Camera) "
        "and to try Sobel y and the Laplacian too.",
    ),
    Step(
        "RGB volumes: 32 x 32 x 3 in, 28 x 28 x 6 out",
        Link(
            "conv_steps",
            {
                "image.source": "Sample",
                "image.sample": "Colour shapes",
                "cs.rgb": "true",
                "cs.source": "Crop of your image",
                "cs.size": "32",
                "cs.kernel.names": [
                    "Green patches",
                    "Red minus green",
                    "Blue-to-yellow edge",
                    "Sobel x (vertical edges)",
                    "Sobel y (horizontal edges)",
                    "Box blur",
                ],
            },
        ),  # fmt: skip
        "A colour image is a volume, three numbers per pixel: 32 x 32 x 3 here. Each filter is a 5 x 5 x 3 volume, "
        "one 5 x 5 slice per colour channel, and one output number is the sum over all three channels plus a bias; "
        "six filters give six maps, a 28 x 28 x 6 volume, because 32 - 5 + 1 = 28.",
        "How many parameters do these six filters have?",
        "6 x 5 x 5 x 3 = 450 weights, plus 6 biases: 456.",
        "Four of the six kernels are 3 x 3 filters padded with zeros to 5 x 5, so that the layer has one kernel size. "
        "At 32 x 32 the input and output grids are drawn small and shaded by value; the window's numbers are in the "
        "kernel and product grids beside them, and pointing at any cell shows its number.",
    ),
    Step(
        "Stride, padding and the output size",
        Link(
            "conv_steps",
            {
                "cs.source": "Preset",
                "cs.preset": "Digit 7",
                "cs.size": "8",
                "cs.padding": "1",
                "cs.stride": "2",
                "cs.kernel.name": "Top edge",
            },
        ),  # fmt: skip
        "Stride is how far the kernel moves between outputs; padding adds rows and columns (zeros here) around the "
        "input so that the kernel can also sit on the border. The output has floor((n + 2p - k) / s) + 1 numbers per "
        "side, and at stride 1 'same' padding, p = (k - 1) / 2, keeps the input's size.",
        "A 32 x 32 input and a 5 x 5 kernel at stride 1: which padding keeps 32 x 32? And at stride 2 with that padding?",
        "p = 2: (32 + 4 - 5) / 1 + 1 = 32. At stride 2: floor((32 + 4 - 5) / 2) + 1 = 16.",
        "Move the stride and padding sliders (in 'Stride, padding, dilation'): the formula under the grids follows. "
        "Stride 1, padding 1 with this 3 x 3 kernel is 'same' padding.",
    ),
    Step(
        "Pooling",
        Link("pool_steps", {"ps.source": "Preset", "ps.preset": "Digit 7", "ps.size": "8"}),
        "Pooling replaces each window of a feature map by its largest number (max pooling) or its average, and has "
        "no weights to learn. It works on each map separately: six maps in, six smaller maps out.",
        "28 x 28 x 6 goes through 2 x 2 max pooling with stride 2. What comes out, and how many parameters does "
        "the pooling have?",
        "14 x 14 x 6, and none.",
        "LeNet-5's subsampling layers did learn a coefficient and a bias per map (12 parameters in S2); today's "
        "pooling has none. Further down the page, 'Shift the input by one pixel' is step 9.",
    ),
    Step(
        "Why a non-linearity",
        Link("filter_lab", {**_DIGIT, "lab.tab": "Two filters in a row"}),
        "Two convolutions in a row with nothing between them are one convolution: one combined kernel (5 x 5 for "
        "two 3 x 3) gives the same map. A ReLU between them breaks this; without non-linearities a network of any "
        "depth would compute no more than one linear layer.",
        "Two 3 x 3 convolutions in a row see a 5 x 5 window. How many weights do they have, against one 5 x 5 kernel?",
        "18 against 25. With a ReLU between them they can also compute things one 5 x 5 kernel cannot: VGG's "
        "argument for stacks of 3 x 3 layers (Simonyan and Zisserman, 2014).",
        "Turn 'ReLU between them' on and off: the largest difference between the two maps goes from 0 (up to "
        "rounding) to a clear number.",
    ),
    Step(
        "Translation: equivariance and invariance",
        Link(
            "pool_steps",
            {
                "ps.source": "Preset",
                "ps.preset": "Small random integers",
                "ps.size": "8",
                "ps.shift": "Right",
            },
            section="Shift the input",
        ),  # fmt: skip
        "Shift the input by one pixel and a convolution's map shifts by one pixel too: convolution is "
        "translation-equivariant, because the same kernel is used everywhere. After max pooling many numbers do "
        "not change at all: pooling makes the output approximately invariant to small shifts.",
        "Why is a pooled map only approximately invariant to a shift?",
        "A feature that moves but stays inside its pooling window changes nothing; one that crosses into the next "
        "window changes that window's maximum.",
        "The link opens at 'Shift the input by one pixel'. Try windows of 2 and 3, the Vertical edge preset, and the Digit 7 (where pooling keeps fewer numbers: say why).",
    ),
    Step(
        "Parameters: sharing and local connectivity",
        Link("layers", {"ly.h": "100", "ly.w": "100", "ly.c": "1", "ly.n": "100", "ly.k": "3"}),
        "A fully connected neuron on a 100 x 100 grey image has 10,000 weights, one per pixel, while 100 filters of "
        "3 x 3 have 900 weights and 100 biases, whatever the image's size. A convolution reuses each kernel at "
        "every position (parameter sharing) and each output looks only at a small window (local connectivity).",
        "A layer of 8 filters of 3 x 3 on an RGB image: how many parameters?",
        "3 x 3 x 3 x 8 = 216 weights, plus 8 biases: 224.",
        "Change the numbers at the top of the page with the class; the picture of one unit's links shows the "
        "difference between dense and convolutional connections.",
    ),
    Step(
        "Combining maps: corners from edges",
        Link("network", {"nw.tab": "Combine maps by hand"}),
        "A second layer's filter has one slice for each map of the first layer, so it adds up evidence across "
        "maps. Where the top-edge map and the left-edge map are both bright, a corner unit lights up: edges combine "
        "into corners, and deeper layers combine those into parts.",
        "The corner unit has a bias of -3. What would it answer with a bias of 0?",
        "It would also light up where only one of the two edges is present: the negative bias makes it an AND.",
        "The four layer-1 maps are the edge filters of step 3 on the 7. Change the layer-2 numbers in 'Change the "
        "layer-2 numbers' and watch the unit's map.",
    ),
    Step(
        "LeNet-5 as published (LeCun et al., 1998)",
        Link("layers", {"ly.preset": "LeNet-5 (LeCun et al., 1998)"}, section="A stack of layers"),
        "LeNet-5 read handwritten digits: a 32 x 32 input, C1 with six 5 x 5 filters (156 parameters), S2 "
        "subsampling (12), C3 with sixteen maps each connected to only some of S2's maps (1,516), S4 (32), C5 with "
        "120 units (48,120), F6 with 84 (10,164), and 10 RBF output units. This app's digit network is 'LeNet-5 "
        "style': the same plan with 28 x 28 inputs, ReLU, max pooling without parameters, a second convolution that "
        "sees all six maps, and a softmax output.",
        "Why does C3 connect each of its maps to only some of S2's maps?",
        "The paper gives two reasons: it keeps the number of connections down (1,516 parameters instead of 2,416), "
        "and it breaks the symmetry, so that different maps are forced to learn different, complementary features.",
        "The table shows every layer's output size and parameters (a flatten row before F6; the output is 10 RBF "
        "units, so there is no softmax). 'LeNet-5 style' under 'Start from' holds the conv and pool layers of the "
        "app's digit network; the whole network, softmax included, is under 'Whole networks, layer by layer'.",
    ),
    Step(
        "AlexNet (Krizhevsky et al., 2012)",
        Link("alexnet", {"ax.tab": "Its filters (conv1)"}),
        "AlexNet won ImageNet 2012 with 5 convolutional and 3 dense layers: its first layer had 96 filters of 11 x 11 "
        "x 3, split over two GPUs (48 each), then 256, 384, 384 and 256 filters. The app shows torchvision's version "
        "(64, 192, 384, 256, 256: torchvision's variant, based on Krizhevsky's 2014 'One weird trick' paper), whose trained weights are "
        "available; in both, about 96 % of the weights are in the dense layers.",
        "Where are most of AlexNet's 61 million parameters (60 million in the paper's words), and why?",
        "In the dense layers, about 96 %: fc6 alone connects 6 x 6 x 256 = 9,216 numbers to 4,096 units, 37.7 "
        "million weights. The convolutions reuse small kernels everywhere.",
        "The Feature maps tab shows the hierarchy: early layers answer edges and colours, later ones textures and "
        "parts of objects (Zeiler and Fergus, 2014). Without downloaded weights the page shows an untrained AlexNet "
        "and says so.",
        also=(
            Link(
                "layers",
                {"ly.preset": "AlexNet (paper, 2012)"},
                "The paper's layers, counted",
                "A stack of layers",
            ),
        ),
    ),
    Step(
        "Learned, not designed",
        Link("train"),
        "Nobody sets a trained network's kernels: they start as random numbers, and gradient descent changes them "
        "to lower the loss on labelled examples. Watch the first layer's filters turn from noise into smooth "
        "strokes and blobs, the beginnings of edge detectors, as the accuracy rises.",
        "Why do the first-layer filters of very different networks, this one and AlexNet, look like edge and colour "
        "detectors?",
        "Edges and colour contrasts are the most useful local features of almost any picture, so training finds "
        "them again and again: first layers are the most general (Yosinski et al., 2014).",
        "Press 'Train from scratch' (a few seconds); then move the Moment slider to replay the filters, the histogram "
        "of layer 1's outputs and the confusion matrix.",
    ),
    Step(
        "1-D convolution: signals",
        Link("conv1d", {"c1.signal": "Step", "c1.kernel": "Difference [-1 0 1]"}),
        "The same sliding sum of products works on a signal, a row of numbers such as a sound or a sensor's "
        "readings. A moving average smooths the noise; the difference kernel [-1 0 1] finds where the signal changes.",
        "What does the difference kernel [-1 0 1] give on this step signal, and where?",
        "0 on the flat parts and 10 at the two windows that span the jump from 0 to 10: it finds the change.",
        "Switch the signal to 'Noisy sine' and the kernel to a moving average to show smoothing.",
    ),
    Step(
        "3-D convolution: video and volumes",
        Link(
            "conv1d",
            {
                "c3.stack": "A square moving right",
                "c3.kernel": "Temporal difference",
                "c3.frame": "2",
                "c3.position": "7",
            },
            section="3-D convolution",
        ),
        "Videos and medical scans are volumes: a 3-D kernel spans a few frames (or slices) as well as rows and "
        "columns, and slides along time too. A temporal-difference kernel lights up what moves between frames.",
        "A 3 x 3 x 3 kernel on video frames with 3 colour channels: how many weights?",
        "3 x 3 x 3 x 3 = 81 weights, plus 1 bias.",
        "The 3-D view is under the 1-D one on this page.",
    ),
    Step(
        "Can you trust a heat map?",
        Link("trust"),
        "Heat maps say where a network looks, but different methods disagree, and some barely change when the "
        "network's weights are randomised (Adebayo et al., 2018). Test a map before you believe it.",
        "If a saliency map looks the same on a trained and on a randomised network, what is it showing?",
        "Mostly the input picture itself, its edges, and not what the network learned.",
        "Open the Sanity check tab: it randomises the layers from the top and redraws the maps after each step.",
    ),
)


def teacher_note(step: Step) -> None:
    """A step's note for the teacher: folded in presenter mode, where the class reads the screen too,
    else a caption."""
    if session.presenting():
        with st.expander("Teacher's note"):
            st.markdown(step.note)
    else:
        st.caption(f"Teacher's note: {step.note}")


def page_link(
    target, link: Link, *, step: int | None, label: str, icon: str | None = None, help: str | None = None
) -> None:
    """A link in ``target`` that opens ``link``'s page with its settings (and ``?lesson=step``)."""
    params = dict(link.params)
    if step is not None:
        params[PARAM] = str(step)
    page = registry.BY_NAME[link.page]
    target.page_link(page.path, label=label, icon=icon or page.icon, query_params=params, help=help)


_SEEN = "ui._lesson"  # the step the last run had open


def arrive(page: registry.Page) -> None:
    """A lesson link just followed (the address names a step the last run did not have open): this
    page's settings start again from their defaults, so that the link's values, and only they, make
    the view. (A link's value equal to a widget's default cannot override what the session holds:
    Streamlit keeps such values out of the address.) Settings changed on the step's page afterwards
    stay; the sidebar's image changes only when the link names one."""
    n = current()
    last = st.session_state.get(_SEEN)
    st.session_state[_SEEN] = n
    found = opened(page)
    if found is None or n == last:
        return
    link = found[1]
    reset = [
        k
        for k in st.session_state
        if k.split(".")[0] in page.prefixes and not k.rpartition(".")[2].startswith("_")
    ]
    if any(key.startswith("image.") for key in link.params):
        reset += [k for k in ("image.source", "image.sample") if k in st.session_state]
    for key in reset:
        del st.session_state[key]


def opened(page: registry.Page) -> tuple[int, Link] | None:
    """The open step and its link, when the address names a step whose link opens ``page``."""
    n = current()
    if n is None:
        return None
    step = STEPS[n - 1]
    return next(((n, link) for link in (step.link, *step.also) if link.page == page.name), None)


def current() -> int | None:
    """The open step (1-based) when the address names one that exists, else None."""
    raw = st.query_params.get(PARAM)
    try:
        n = int(raw) if raw is not None else None
    except ValueError:
        return None
    return n if n is not None and 1 <= n <= len(STEPS) else None
