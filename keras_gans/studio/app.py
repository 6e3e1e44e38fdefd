"""The studio's page: :class:`keras_gans.studio.Studio`'s handlers wired into a ``gradio.Blocks``.

Every handler runs behind :func:`guarded`. Bad input (a ``ValueError``) and a model failing on odd input become a
message in the page (``gradio.Error``); the server logs the failure and keeps serving. Each event has an
``api_name``, so the page's HTTP API (``gradio_client``) reaches every tab: ``/colour``, ``/edit_start``, ``/edit``,
``/sample``, ``/walk``, ``/style_mix``, ``/style``, ``/inpaint_start``, ``/inpaint``.
"""

import functools
import logging

import gradio as gr

from keras_gans.studio.handlers import DISPLAY, TAB_NEEDS

LOG = logging.getLogger("keras_gans.studio")
BLANK = "(none in this session)"


def guarded(handler):
    """``handler`` whose failures reach the page as messages, not tracebacks."""

    @functools.wraps(handler)
    def run(*args):
        try:
            return handler(*args)
        except ValueError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except Exception as e:  # a model failing on input we did not foresee: say so, keep serving
            LOG.exception("studio: %s failed", handler.__name__)
            raise gr.Error(f"{handler.__name__} failed: {type(e).__name__}: {e}", print_exception=False) from None

    return run


def _choice(names, label):
    return gr.Dropdown(names or [BLANK], value=(names or [BLANK])[0], label=label, interactive=bool(names))


def _needs(names, tab):
    if not names:
        gr.Markdown(f"*This session has no model for this tab: it needs {TAB_NEEDS[tab]}.*")


def _shown(label, elem_id=None):
    """An output image (PNG: lossless, so the page shows the model's pixels)."""
    return gr.Image(label=label, elem_id=elem_id, interactive=False, format="png")


def _canvas(label, brush, elem_id):
    """An image editor whose layers carry the user's strokes over a background image."""
    return gr.ImageEditor(type="numpy", image_mode="RGBA", brush=brush, label=label, canvas_size=(DISPLAY, DISPLAY),
                          elem_id=elem_id)


def build_app(studio):
    """The page of ``studio``: five tabs (see :mod:`keras_gans.studio`)."""
    translators, generators = studio.names("translate"), studio.names("generate")
    stylers = studio.names("style")
    stylegans = [n for n in generators if callable(getattr(studio.models[n], "mix", None))]
    pen = gr.Brush(default_size=12, colors=["#000000"], color_mode="fixed")
    paint = gr.Brush(default_size=16, colors=["#ffffff", "#000000", "#808080", "#d03030", "#3060d0"])
    with gr.Blocks(title="keras_gans studio", analytics_enabled=False) as app:
        gr.Markdown("# keras_gans studio\nModels: " + ", ".join(f"`{n}`" for n in studio.models))
        with gr.Tab("Sketch → colour", id="sketch", elem_id="tab_sketch"):
            _needs(translators, "sketch")
            with gr.Row():
                model = _choice(translators, "model")
                direction = gr.Radio(["AtoB", "BtoA"], value="AtoB", label="direction (CycleGAN)")
            with gr.Row():
                pad = gr.Sketchpad(canvas_size=(DISPLAY, DISPLAY), brush=pen, type="numpy", image_mode="RGBA",
                                   label="draw dark lines on white", elem_id="sketchpad", layers=False)
                seen = _shown("what the model sees", "sketch_input")
                out = _shown("coloured", "sketch_output")
            pad.change(guarded(studio.colour), [pad, model, direction], [seen, out], api_name="colour")
        with gr.Tab("Edit", id="edit", elem_id="tab_edit"):
            _needs(generators, "edit")
            gr.Markdown("Generate a start image, paint strokes on it (colours, or lines that should become edges), "
                        "then **Apply the strokes**: the generator finds the image on its manifold that follows "
                        "them (iGAN).")
            with gr.Row():
                model = _choice(generators, "model")
                seed = gr.Number(0, precision=0, label="seed", minimum=0)
                meaning = gr.Radio(["colour", "sketch"], value="colour", label="the strokes are")
                iterations = gr.Slider(10, 500, 150, step=10, label="iterations")
            with gr.Row():
                start, run = gr.Button("New start image"), gr.Button("Apply the strokes", variant="primary")
            with gr.Row():
                editor = _canvas("paint on the image", paint, "edit_canvas")
                edited = _shown("edited", "edit_output")
            morph = _shown("morph: from the start to the edit", "edit_morph")
            start.click(guarded(studio.start_image), [model, seed], editor, api_name="edit_start")
            run.click(guarded(studio.edit), [model, seed, editor, meaning, iterations], [edited, morph],
                      api_name="edit")
        with gr.Tab("Explore", id="explore", elem_id="tab_explore"):
            _needs(generators, "explore")
            with gr.Row():
                # a StyleGAN first where the session has one: the tab's truncation and style mixing work on it
                model = _choice(stylegans + [n for n in generators if n not in stylegans], "model")
                seed = gr.Number(0, precision=0, label="seed", minimum=0)
                num = gr.Slider(1, 64, 16, step=1, label="images")
                truncation = gr.Slider(0.0, 1.0, 1.0, step=0.05, label="truncation ψ (StyleGAN)")
            with gr.Row():
                sample, walk = gr.Button("Sample", variant="primary"), gr.Button("Latent walk")
                steps = gr.Slider(2, 16, 8, step=1, label="walk steps")
            grid = _shown("samples", "explore_output")
            sample.click(guarded(studio.sample), [model, seed, num, truncation], grid, api_name="sample")
            walk.click(guarded(studio.walk), [model, seed, steps], grid, api_name="walk")
            with gr.Accordion("Style mixing (StyleGAN)", open=bool(stylegans)):
                with gr.Row():
                    seed_a = gr.Number(1, precision=0, label="seed A", minimum=0)
                    seed_b = gr.Number(2, precision=0, label="seed B (styles from the crossover on)", minimum=0)
                    crossover = gr.Number(2, precision=0, label="crossover layer", minimum=1)
                    mix = gr.Button("Mix")
                mixed = _shown("A | B | A with B's styles", "explore_mix")
                mix.click(guarded(studio.style_mix), [model, seed_a, seed_b, crossover], mixed, api_name="style_mix")
        with gr.Tab("Style", id="style", elem_id="tab_style"):
            _needs(stylers, "style")
            with gr.Row():
                model = _choice(stylers, "model")
                alpha = gr.Slider(0.0, 1.0, 1.0, step=0.05, label="α (0: the content, 1: full style)")
                preserve = gr.Checkbox(False, label="preserve the content's colours")
            with gr.Row():
                content = gr.Image(type="numpy", label="content", elem_id="style_content")
                first = gr.Image(type="numpy", label="style", elem_id="style_style")
                second = gr.Image(type="numpy", label="second style (optional)")
                weight = gr.Slider(0.0, 1.0, 0.0, step=0.05, label="second style's weight")
                mask = gr.Image(type="numpy", label="region mask (optional): dark = second style")
            go = gr.Button("Stylize", variant="primary")
            styled = _shown("stylized", "style_output")
            go.click(guarded(studio.style), [model, content, first, alpha, second, weight, preserve, mask], styled,
                     api_name="style")
        with gr.Tab("Inpaint", id="inpaint", elem_id="tab_inpaint"):
            _needs(generators, "inpaint")
            gr.Markdown("Generate (or upload) an image, brush over the part to fill, then **Fill the hole** "
                        "(Yeh et al. 2016's contextual loss).")
            with gr.Row():
                model = _choice(generators, "model")
                seed = gr.Number(0, precision=0, label="seed", minimum=0)
                iterations = gr.Slider(50, 2000, 300, step=50, label="iterations")
            with gr.Row():
                start, run = gr.Button("Generate an image"), gr.Button("Fill the hole", variant="primary")
            with gr.Row():
                canvas = _canvas("brush over the hole", paint, "inpaint_canvas")
                masked = _shown("what the model keeps")
                filled = _shown("filled", "inpaint_output")
            start.click(guarded(studio.start_image), [model, seed], canvas, api_name="inpaint_start")
            run.click(guarded(studio.inpaint), [model, canvas, iterations], [masked, filled], api_name="inpaint")
    return app
