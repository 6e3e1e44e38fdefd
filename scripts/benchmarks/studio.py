"""The studio on the shipped presets: a screenshot of each tab in use, and the time from a stroke to the coloured
output (issue 23).

    python scripts/benchmarks/studio.py                  # screenshots into docs/, latency into results/studio_latency

It serves ``keras-gans studio``'s page for the presets (``keras_gans.studio.default_models``) on 127.0.0.1 and
drives it with headless Chromium (Selenium), as a user would:

- *Sketch → colour*: draws a garment outline with the brush; screenshot once coloured;
- *Edit*: "New start image", a white stroke across it, "Apply the strokes"; screenshot with the edit and its morph;
- *Explore*: "Sample"; *Inpaint*: "Generate an image", a brushed hole, "Fill the hole"; *Style*: as it opens (no AdaIN
  preset ships: the tab says what it needs).

**Latency.** (1) Through the page's HTTP API (``gradio_client``): ``/colour`` on a 256x256 drawing, the median
and range of 20 calls after a warm-up; (2) in the browser: from the release of a new stroke to the coloured image's
change, median and range of 5 strokes. Writes ``--results``/studio_latency.md and .json.
"""

import argparse
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "benchmarks"))
import toolbox_small_data as tsd  # noqa: E402  (CPU and commit helpers)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", default=str(REPO / "docs"), help="where the screenshots go (studio_*.png)")
    p.add_argument("--results", default=str(REPO / "scripts" / "benchmarks" / "results"))
    args = p.parse_args(argv)
    from gradio_client import Client, handle_file
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    from keras_gans.studio import Studio, build_app, default_models

    app = build_app(Studio(default_models()))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"

    # (1) the HTTP API
    client = Client(url, verbose=False)
    drawing = np.zeros((256, 256, 4), np.uint8)
    drawing[40:216, 70:82] = drawing[40:216, 174:186] = drawing[40:52, 70:186] = (0, 0, 0, 255)
    path = Path("/tmp/studio_drawing.png")
    Image.fromarray(drawing).save(path)
    value = {"background": None, "layers": [], "composite": handle_file(str(path))}
    client.predict(value, "preset:pix2pix_fashion_edges", "AtoB", api_name="/colour")
    api = []
    for _ in range(20):
        t = time.perf_counter()
        client.predict(value, "preset:pix2pix_fashion_edges", "AtoB", api_name="/colour")
        api.append(time.perf_counter() - t)

    # (2) the browser
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

    def wait(css, condition=lambda els: bool(els), timeout=120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            elements = driver.find_elements(By.CSS_SELECTOR, css)
            if condition(elements):
                return elements
            time.sleep(0.05)
        raise RuntimeError(f"{css}: timed out")

    def tab(name):
        [b for b in driver.find_elements(By.CSS_SELECTOR, "button[role='tab']") if b.text.strip() == name][0].click()
        time.sleep(1)

    def line(canvas, points):
        chain = ActionChains(driver).move_to_element_with_offset(canvas, *points[0]).click_and_hold()
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            chain = chain.move_by_offset(x1 - x0, y1 - y0)
        chain.release().perform()

    def button(text):
        [b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.strip() == text and b.is_displayed()][0] \
            .click()

    def src(css):
        found = driver.find_elements(By.CSS_SELECTOR, css)
        return found[0].get_attribute("src") if found else None

    shots = {}
    try:
        driver.get(url)
        canvas = wait("#sketchpad canvas")[0]
        driver.find_element(By.CSS_SELECTOR, "#sketchpad button[aria-label='Brush']").click()
        outline = [(-60, -110), (-70, 100), (70, 100), (60, -110), (20, -110), (0, -80), (-20, -110), (-60, -110)]
        line(canvas, outline)
        wait("#sketch_output img")
        browser = []
        for k in range(5):  # one more line each time: a stroke's release -> the new coloured image
            before = src("#sketch_output img")
            x = -40 + 20 * k
            line(canvas, [(x, -60), (x, 60)])
            t = time.perf_counter()
            wait("#sketch_output img", lambda els: bool(els) and els[0].get_attribute("src") != before)
            browser.append(time.perf_counter() - t)
        time.sleep(1)
        shots["sketch"] = driver.get_screenshot_as_png()

        tab("Edit")
        button("New start image")
        time.sleep(3)
        canvas = [c for c in driver.find_elements(By.CSS_SELECTOR, "#edit_canvas canvas") if c.is_displayed()][0]
        driver.find_element(By.CSS_SELECTOR, "#edit_canvas button[aria-label='Brush']").click()
        line(canvas, [(-70, -20), (70, -20)])
        button("Apply the strokes")
        try:
            wait("#edit_morph img", timeout=300)
        except RuntimeError:
            Path("/tmp/studio_edit_debug.png").write_bytes(driver.get_screenshot_as_png())
            raise
        time.sleep(1)
        shots["edit"] = driver.get_screenshot_as_png()

        tab("Explore")
        button("Sample")
        wait("#explore_output img")
        time.sleep(1)
        shots["explore"] = driver.get_screenshot_as_png()

        tab("Style")
        shots["style"] = driver.get_screenshot_as_png()

        tab("Inpaint")
        button("Generate an image")
        time.sleep(3)
        canvas = [c for c in driver.find_elements(By.CSS_SELECTOR, "#inpaint_canvas canvas") if c.is_displayed()][0]
        driver.find_element(By.CSS_SELECTOR, "#inpaint_canvas button[aria-label='Brush']").click()
        for dy in range(-30, 31, 10):
            line(canvas, [(-30, dy), (30, dy)])
        button("Fill the hole")
        wait("#inpaint_output img")
        time.sleep(1)
        shots["inpaint"] = driver.get_screenshot_as_png()
    finally:
        driver.quit()
        app.close()

    docs = Path(args.docs)
    for name, png in shots.items():
        (docs / f"studio_{name}.png").write_bytes(png)
    record = {"api_colour_s": api, "browser_stroke_to_output_s": browser, "load_1min": os.getloadavg()[0],
              "cpu": tsd.cpu_note(),
              "commit": tsd.git_commit(("keras_gans",)), "measured": time.strftime("%Y-%m-%d %H:%M")}
    results = Path(args.results)
    (results / "studio_latency.json").write_text(json.dumps(record, indent=1) + "\n")
    md = ["# The studio: from a stroke to the coloured output (Pix2Pix preset, sketch -> colour)", "",
          "- Regenerate: `python scripts/benchmarks/studio.py` (method: its docstring); it also writes the docs' "
          "screenshots.",
          f"- Measured {record['measured']} at {record['commit']}; CPU: {record['cpu']}; the server and the "
          f"browser on the same machine; 1-minute load average at the end {record['load_1min']:.1f} (the server, the browser and its "
          "software-rendering GPU process count in it).", "",
          "| path | median | range | calls |", "|---|---|---|---|",
          f"| HTTP API `/colour` (gradio_client), 256x256 drawing | {1000 * statistics.median(api):.0f} ms | "
          f"{1000 * min(api):.0f}-{1000 * max(api):.0f} ms | {len(api)} |",
          f"| browser: stroke released -> coloured image shown | {1000 * statistics.median(browser):.0f} ms | "
          f"{1000 * min(browser):.0f}-{1000 * max(browser):.0f} ms | {len(browser)} |", ""]
    (results / "studio_latency.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
