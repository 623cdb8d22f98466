"""The completion notice in the message format of the webhook it goes to (flow input `notifyFormat`).

- `json`: the run's summary itself (what `--summary-json` writes).
- `dingtalk`: a DingTalk custom robot's `markdown` message, `{"msgtype": "markdown", "markdown": {"title",
  "text"}}` (https://open.dingtalk.com/document/robots/custom-robot-access, message types).
- `feishu`: a Feishu / Lark custom bot's rich-text `post` message, `{"msg_type": "post", "content": {"post":
  {"en_us": {"title", "content": [[{"tag": "text", "text"}], ...]}}}}`
  (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot).
- `slack`: a Slack incoming webhook's message, `{"text", "blocks": [header, section]}`, `text` being the
  fallback notifications show (https://api.slack.com/messaging/webhooks).

The chat formats say the same things in words: the verdict and where, the counts, the cost, when, and the
warnings (at most five of each kind, each cut to 300 characters, so a message stays within every receiver's
size limit). DingTalk and Feishu answer HTTP 200 even when they refuse a message and say so in the body
(`errcode` / `code` not 0: a keyword or signature check, a malformed message); `refusal` reads that, so a
refused notice is reported as not delivered rather than sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

FORMATS = ("json", "dingtalk", "feishu", "slack")
MAX_NOTES = 5
MAX_NOTE = 300
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def message(summary: Mapping[str, Any], fmt: str) -> Mapping[str, Any]:
    """The notice's body for a webhook of this format (the summary itself for `json`)."""
    if fmt == "json":
        return summary
    title, lines = words(summary)
    if fmt == "dingtalk":
        text = "\n".join([f"#### {_md(title)}", "", *(f"- {_md(line)}" for line in lines)])
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if fmt == "feishu":
        return {
            "msg_type": "post",
            "content": {
                "post": {"en_us": {"title": title, "content": [[{"tag": "text", "text": line}] for line in lines]}}
            },
        }
    if fmt == "slack":
        return {
            "text": f"{title}: {lines[0]}" if lines else title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "\n".join(f"• {_slack(line)}" for line in lines)[:3000]},
                },
            ],
        }
    raise ValueError(f"no such notice format: {fmt}")


def words(summary: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(title, lines) saying what the summary says."""
    where = f"{summary.get('bucket', '')}/{summary.get('prefix') or ''}"
    verdict = (
        "interrupted"
        if summary.get("interrupted")
        else "all readable"
        if summary.get("allReadable")
        else "not all readable"
    )
    lines: list[str] = []
    counts = summary.get("counts")
    if isinstance(counts, Mapping):
        lines.append(
            ", ".join(f"{str(name).replace('_', ' ')} {n:,}" for name, n in counts.items() if isinstance(n, int))
        )
    if summary.get("interrupted"):
        lines.append(_cut(summary["interrupted"]))
    lines.append(_cost(summary.get("cost")))
    lines.append(
        f"exit code {summary.get('exitCode')}"
        + (f", finished {summary['finishedAt']}" if summary.get("finishedAt") else "")
        + (f", execution {summary['execution']}" if summary.get("execution") else "")
    )
    for label, key in (("warning", "warnings"), ("execution failed", "flowErrors")):
        notes = summary.get(key) or []
        lines += [f"{label}: {_cut(note)}" for note in notes[:MAX_NOTES]]
        if len(notes) > MAX_NOTES:
            lines.append(f"... and {len(notes) - MAX_NOTES} more {key}")
    return f"oss-restore: {verdict}: {where}", lines


def refusal(fmt: str, answer: bytes) -> str:
    """What a 2xx answer of this format's receiver says went wrong ("" when it took the message)."""
    if fmt not in ("dingtalk", "feishu"):
        return ""
    try:
        said = json.loads(answer.decode("utf-8", "replace") or "{}")
    except ValueError:
        return ""  # not the documented answer: the 2xx status is all there is to go by
    if not isinstance(said, dict):
        return ""
    for code, text in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        if code in said and said[code] not in (0, "0"):
            return f"refused: {code} {said[code]}: {_cut(said.get(text, ''))}"
    return ""


def _cost(cost: Any) -> str:
    if not isinstance(cost, Mapping):
        return "cost: not estimated"
    currency = f" {cost['currency']}" if cost.get("currency") else ""

    def shown(value: Any) -> str:
        return f"{value:,.2f}{currency}" if isinstance(value, (int, float)) else str(value)

    return f"cost: estimated {shown(cost.get('estimated'))}, actual {shown(cost.get('actual'))}"


def _cut(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 1] + "…"


def _md(text: str) -> str:
    """Markdown's special characters escaped, so a key or a message is shown as written."""
    return _MARKDOWN.sub(r"\\\1", text)


def _slack(text: str) -> str:
    """Slack's mrkdwn: only &, < and > are escaped (https://api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
