"""What the spreadsheet reader says, in zh and en: problems name a place (``Sheet1!D7``) and what
was expected; notes say what was read otherwise than written, or not read."""
from __future__ import annotations

WORDS = {
    # the file
    "empty_file": {"zh": "是空文件（0 字节）", "en": "is empty (0 bytes)"},
    "encrypted": {"zh": "是设有打开密码的（加密的）Excel 工作簿，无法读取：请在 Excel 或 WPS 中取消密码后另存为 .xlsx",
                  "en": "is a password-protected (encrypted) workbook and cannot be read: remove the password in Excel or WPS and save it as .xlsx"},
    "old_xls": {"zh": "是旧版 .xls 格式（或其他 OLE 复合文件），无法读取：请在 Excel 或 WPS 中另存为 .xlsx",
                "en": "is an old .xls workbook (or another OLE compound file) and cannot be read: save it as .xlsx in Excel or WPS"},
    "corrupt": {"zh": "不是可读取的 Excel 工作簿（.xlsx）：{reason}", "en": "is not a readable Excel workbook (.xlsx): {reason}"},
    "too_large": {"zh": "解压后超过 {limit} MiB，不像一份采购计划，拒绝读取", "en": "unpacks to more than {limit} MiB, which no plan needs; refused"},
    "not_text": {"zh": "不是 UTF-8、UTF-16 或 GB18030 编码的文本", "en": "is not UTF-8, UTF-16 or GB18030 text"},
    "csv_error": {"zh": "无法按 CSV 读取：{reason}", "en": "cannot be read as CSV: {reason}"},
    "no_table": {"zh": "没有找到明细表：可见工作表的前 {n} 行中没有含“品目编码”“品目名称”“金额”等列名的表头行",
                 "en": "has no line table: no visible sheet has a header row with columns such as 品目编码 (category code), "
                       "品目名称 (item name) and 金额 (amount) in its first {n} rows"},
    "no_lines": {"zh": "表头下没有任何明细行", "en": "the table has no lines below its header row"},
    "too_many_rows": {"zh": "超过 {n} 行，拒绝读取", "en": "has more than {n} rows; refused"},
    # columns and labels
    "missing_column": {"zh": "缺少“{label}”（可用列名：{aliases}）；可作为表格的一列，或写在表头上方",
                       "en": "no {label} (headers accepted: {aliases}); give it as a column, or above the table"},
    "dup_column": {"zh": "“{label}”出现两次（{a} 与 {b}）", "en": "{label} is given twice ({a} and {b})"},
    # values
    "empty": {"zh": "“{label}”为空；{scope}都需要填写", "en": "{label} is empty; {scope} needs one"},
    "bad_value": {"zh": "“{label}”的值“{raw}”不是{expect}", "en": "{label}: '{raw}' is not {expect}"},
    "too_precise": {"zh": "“{label}”的值“{raw}”超过 15 位有效数字，无法精确保存",
                    "en": "{label}: '{raw}' has more than 15 significant digits and cannot be held exactly"},
    "conflict": {"zh": "“{label}”为“{value}”，与同一{scope}在 {other} 填写的“{first}”不一致",
                 "en": "{label} '{value}' differs from '{first}' given at {other} for the same {scope}"},
    "dup_line": {"zh": "项目 {project} 中行号 {line} 重复（另见 {other}）", "en": "line {line} appears twice in project {project} (also at {other})"},
    "no_project": {"zh": "没有项目编号，上方也没有可向下填充的项目编号", "en": "no project ID here and none above to fill down"},
    "schema": {"zh": "“{label}”：{expect}", "en": "{label}: {expect}"},
    "min": {"zh": "“{label}”为 {value}，应不小于 {limit}", "en": "{label} is {value}; expected at least {limit}"},
    "min_excl": {"zh": "“{label}”为 {value}，应大于 {limit}", "en": "{label} is {value}; expected more than {limit}"},
    "max": {"zh": "“{label}”为 {value}，应不大于 {limit}", "en": "{label} is {value}; expected at most {limit}"},
    "award_needed": {"zh": "阶段为“结果”时每行都需要中标信息（{label}等）", "en": "at stage award every line needs its award ({label} …)"},
    # scopes
    "scope_plan": {"zh": "计划", "en": "the plan"},
    "scope_project": {"zh": "每个项目", "en": "every project"},
    "scope_line": {"zh": "每一行", "en": "every line"},
    "scope_cert": {"zh": "每张证书", "en": "every certificate"},
    "scope_award": {"zh": "每条中标信息", "en": "every award"},
    "same_plan": {"zh": "计划", "en": "plan"},
    "same_project": {"zh": "项目", "en": "project"},
    # notes
    "note_extra": {"zh": "以下列不是计划字段，未读取：{cols}", "en": "columns not read (not plan fields): {cols}"},
    "note_hidden": {"zh": "隐藏的工作表“{name}”未读取", "en": "hidden sheet '{name}' not read"},
    "note_other_table": {"zh": "工作表“{name}”也有明细表，未读取（一个文件只读一份计划：{used}）",
                         "en": "sheet '{name}' also has a line table and was not read (one file holds one plan: {used})"},
    "note_total": {"zh": "合计行，未作为明细读取", "en": "a total row, not read as a line"},
    "note_budget_stage": {"zh": "没有“阶段”和“评审方法”：按预算编制阶段读取（尚无采购文件，评审和绿色采购要求的检查暂不适用）",
                          "en": "no stage and no evaluation method: read as stage budget (no procurement documents yet; "
                                "the checks of the evaluation and the green requirements do not apply yet)"},
    "note_line_ids": {"zh": "没有“行号”列：各项目内的行按顺序编号为 1、2、3……",
                      "en": "no line column: lines are numbered 1, 2, 3 … within each project, in sheet order"},
    "note_encoding": {"zh": "按 {encoding} 编码读取", "en": "read as {encoding} text"},
    "note_json_encoding": {"zh": "不是 UTF-8 文本，已按 {encoding} 编码读取；计划的 JSON 约定使用 UTF-8，交给预算系统前请另存为 UTF-8",
                           "en": "is not UTF-8; read as {encoding} text (the plan contract's JSON is UTF-8: save it as UTF-8 for budget systems)"},
    "note_columns_cut": {"zh": "只读取前 {n} 列", "en": "only the first {n} columns are read"},
    "note_converted": {"zh": "“{label}”“{raw}” 读作 {value}", "en": "{label} '{raw}' read as {value}"},
    "or": {"zh": " 或 ", "en": " or "},
    "list_sep": {"zh": "、", "en": ", "},
}


def say(key: str, lang: str, **kw) -> str:
    return WORDS[key][lang].format(**kw)


def one_of(values, lang: str) -> str:
    """'a、b 或 c' / 'a, b or c'."""
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return WORDS["list_sep"][lang].join(values[:-1]) + WORDS["or"][lang] + values[-1]
