"""The studio in a real browser: headless Chromium (Debian's chromium + chromium-driver, Selenium) opens the page,
draws a stroke on the sketch canvas and sees the coloured output appear and change; every tab opens."""

import shutil
import socket
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from keras_gans.studio import Studio, build_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def page(studio_models):
    app = build_app(Studio(studio_models))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        yield driver
    finally:
        driver.quit()
        app.close()


def wait_for(driver, css, condition=lambda elements: bool(elements), timeout=60):
    """The elements matching ``css`` once ``condition`` holds (polling), or a failure naming them."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        elements = driver.find_elements(By.CSS_SELECTOR, css)
        if condition(elements):
            return elements
        time.sleep(0.25)
    pytest.fail(f"{css}: not as expected after {timeout} s")


def stroke(driver, canvas, x, y, length=80):
    ActionChains(driver).move_to_element_with_offset(canvas, x, y).click_and_hold() \
        .move_by_offset(0, length // 2).move_by_offset(0, length // 2).release().perform()


def test_drawing_on_the_sketch_canvas_colours_it(page):
    canvas = wait_for(page, "#sketchpad canvas")[0]
    page.find_element(By.CSS_SELECTOR, "#sketchpad button[aria-label='Brush']").click()
    stroke(page, canvas, -40, -60)
    first = wait_for(page, "#sketch_output img")[0].get_attribute("src")
    stroke(page, canvas, 50, -60)  # a second line: the output is computed again from the new drawing
    wait_for(page, "#sketch_output img", lambda els: bool(els) and els[0].get_attribute("src") != first)
    seen = wait_for(page, "#sketch_input img")[0]
    assert seen.size["width"] > 100  # the model's 32x32 input, shown scaled up


@pytest.mark.parametrize("tab, element", [("Edit", "#edit_canvas"), ("Explore", "#explore_output"),
                                          ("Style", "#style_content"), ("Inpaint", "#inpaint_canvas"),
                                          ("Sketch → colour", "#sketchpad")])
def test_every_tab_opens(page, tab, element):
    buttons = wait_for(page, "button[role='tab']", lambda els: any(b.text.strip() == tab for b in els))
    [b for b in buttons if b.text.strip() == tab][0].click()
    wait_for(page, element, lambda els: bool(els) and els[0].is_displayed())
