"""Secret-free filler: the ordinary code, logs, config and tables around planted values."""

from __future__ import annotations

import random

from .fakes import Fake
from .model import Snippet, Text
from .render import esc_html

CODE = [
    "import pandas as pd",
    "import numpy as np",
    "import matplotlib.pyplot as plt",
    'df = pd.read_csv("data/sales_2024.csv", parse_dates=["date"])',
    "df = df.dropna(subset=['amount'])",
    'monthly = df.groupby(df["date"].dt.to_period("M"))["amount"].sum()',
    "fig, ax = plt.subplots(figsize=(8, 4))",
    'ax.plot(monthly.index.astype(str), monthly.values, marker="o")',
    'ax.set_title("Monthly revenue")',
    "plt.tight_layout()",
    "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)",
    "model = RandomForestClassifier(n_estimators=200, max_depth=8)",
    "model.fit(X_train, y_train)",
    'print(f"accuracy: {model.score(X_test, y_test):.3f}")',
    "for epoch in range(10):",
    "    loss = train_one_epoch(model, loader)",
    'query = "SELECT region, SUM(amount) FROM orders GROUP BY region"',
    "result = pd.read_sql(query, engine)",
    "df.describe()",
    "df.head(10)",
    "sns.histplot(df['amount'], bins=50)",
]
MARKDOWN = [
    "## Data loading",
    "We use the cleaned extract from the warehouse (see the runbook).",
    "### Results",
    "Revenue grew steadily in Q2; the dip in August is a reporting artefact.",
    "- remove duplicates\n- convert currencies\n- aggregate per month",
]
STDOUT = [
    "Loaded 48213 rows x 12 columns",
    "Epoch 3/10 - loss: 0.2345 - acc: 0.9120",
    "accuracy: 0.874",
    "Fitting 5 folds for each of 24 candidates, totalling 120 fits",
    "(48213, 12)",
    "done in 2.41s",
]
CITIES = ["Berlin", "Lyon", "Porto", "Austin", "Osaka", "Leeds", "Quito", "Pune"]
STATUS = ["shipped", "pending", "returned", "cancelled"]


def code_lines(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(CODE) for _ in range(n)]


def stdout_lines(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(STDOUT) for _ in range(n)]


STYLE = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type {
        vertical-align: middle;
    }

    .dataframe tbody tr th {
        vertical-align: top;
    }

    .dataframe thead th {
        text-align: right;
    }
</style>"""


def dataframe(rng: random.Random, rows: int, fake: Fake | None = None) -> tuple[Text, Text]:
    """(text/html, text/plain) of a pandas-like DataFrame; ``fake`` sits in one cell."""
    columns = ["order_id", "city", "amount", "date", "status"]
    extra = fake.name if fake is not None else "customer_ref"
    columns.append(extra)
    plant_row = rng.randrange(5, rows - 5) if fake is not None and rows > 10 else -1
    html = Text()
    html.add(STYLE, '<table border="1" class="dataframe">', "  <thead>")
    html.add('    <tr style="text-align: right;">', "      <th></th>")
    html.add(*(f"      <th>{c}</th>" for c in columns), "    </tr>", "  </thead>", "  <tbody>")
    plain = Text()
    plain.add("   " + "  ".join(columns))
    for row in range(rows):
        values = [
            str(10000 + row),
            rng.choice(CITIES),
            f"{rng.uniform(1, 5000):.2f}",
            f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            rng.choice(STATUS),
        ]
        html.add("    <tr>", f"      <th>{row}</th>", *(f"      <td>{v}</td>" for v in values))
        if row == plant_row and fake is not None:
            text = esc_html(fake.text)
            snippet = Snippet([f"      <td>{text}</td>"], 0, 0, text)
            html.plant(snippet, fake.family, fake.positive, context="table:text/html")
        else:
            html.add(f"      <td>CUST-{rng.randrange(10**5):05d}</td>")
        html.add("    </tr>")
        if row < 5 or row >= rows - 5:
            plain.add(f"{row}  " + "  ".join(values))
        elif row == 5:
            plain.add("..")
    html.add(
        "  </tbody>", "</table>", f"<p>{rows} rows \u00d7 {len(columns)} columns</p>", "</div>"
    )
    plain.add("", f"[{rows} rows x {len(columns)} columns]")
    return html, plain
