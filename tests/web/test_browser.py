"""``molpred serve`` in a real browser: headless Chromium (Debian's package) driven by
Selenium. Skipped when Chromium or its driver is missing (``.ci/run`` installs them)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="needs chromium and chromedriver (apt-get install chromium "
                                       "chromium-driver)")
SCREENSHOT = Path(__file__).parents[2] / "docs" / "img" / "serve.png"


@pytest.fixture(scope="module")
def server():
    import uvicorn

    from molpred.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(["tox21", "bbbp", "esol"]), host="127.0.0.1", port=port,
                            log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1200,1400"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_a_chemist_pastes_smiles_sees_the_panel_and_the_atoms(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)
    assert "molpred" in browser.title
    box = browser.find_element(By.ID, "smiles")
    box.send_keys("CC(=O)Oc1ccccc1C(=O)O\nnot-a-molecule\nCn1cnc2c1c(=O)n(C)c(=O)n2C")
    browser.find_element(By.ID, "go").click()
    WebDriverWait(browser, 120).until(seen.presence_of_element_located((By.ID, "mol-2")))
    blocks = browser.find_elements(By.CLASS_NAME, "mol")
    assert len(blocks) == 3
    aspirin, bad, caffeine = (b.text for b in blocks)
    assert "Brenk: phenol_ester" in aspirin and "SR-MMP" in aspirin and "logS" in aspirin
    assert "BBB_penetration" in caffeine and "cannot parse" in bad.lower()
    assert blocks[0].find_elements(By.TAG_NAME, "svg")  # the structure is drawn
    predictions = [float(c.text) for c in blocks[0].find_elements(By.CLASS_NAME, "pred")]
    assert len(predictions) == 12 + 1 + 1 and all(0 <= p <= 1 for p in predictions[:13])
    if os.environ.get("MOLPRED_SCREENSHOT"):  # docs/img/serve.png, refreshed on demand
        SCREENSHOT.parent.mkdir(exist_ok=True)
        browser.save_screenshot(str(SCREENSHOT))
    link = blocks[0].find_element(By.LINK_TEXT, "atoms")
    link.click()
    WebDriverWait(browser, 120).until(seen.presence_of_element_located((By.ID, "attribution")))
    assert browser.find_element(By.ID, "attribution").find_elements(By.TAG_NAME, "svg")
    assert "Integrated Gradients" in browser.page_source


def test_a_chemist_draws_a_molecule_and_it_joins_the_list(server, browser):
    from rdkit import Chem
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)
    browser.find_element(By.CSS_SELECTOR, "#draw summary").click()
    WebDriverWait(browser, 60).until(lambda b: b.execute_script("return !!window.sketcher"))
    WebDriverWait(browser, 30).until(
        seen.presence_of_element_located((By.CSS_SELECTOR, "#jsme svg")))
    pictures = browser.find_elements(By.CSS_SELECTOR, "#jsme svg")  # JSME draws in SVG
    canvas = max(pictures, key=lambda e: e.size["width"] * e.size["height"])
    # one click in the empty drawing area with JSME's default tool draws a C-C bond: ethane
    ActionChains(browser).move_to_element(canvas).click().perform()
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return window.sketcher.smiles()"))
    assert browser.execute_script("return window.sketcher.smiles()") == "CC"
    browser.find_element(By.ID, "smiles").send_keys("CCO")
    browser.find_element(By.ID, "add-drawn").click()
    # a drawing JSME holds (as when a user pastes a molfile into it) joins the list too
    browser.execute_script("window.sketcher.readGenericMolecularInput('Oc1ccccc1')")
    if os.environ.get("MOLPRED_SCREENSHOT"):  # docs/img/draw.png, refreshed on demand
        browser.save_screenshot(str(SCREENSHOT.with_name("draw.png")))
    browser.find_element(By.ID, "add-drawn").click()
    listed = browser.find_element(By.ID, "smiles").get_property("value").splitlines()
    assert listed[:2] == ["CCO", "CC"] and len(listed) == 3
    assert Chem.CanonSmiles(listed[2]) == Chem.CanonSmiles("Oc1ccccc1")
    browser.find_element(By.ID, "go").click()
    WebDriverWait(browser, 120).until(seen.presence_of_element_located((By.ID, "mol-2")))
    blocks = browser.find_elements(By.CLASS_NAME, "mol")
    assert len(blocks) == 3 and "SR-MMP" in blocks[1].text
    assert listed[2] in blocks[2].text and "SR-MMP" in blocks[2].text
