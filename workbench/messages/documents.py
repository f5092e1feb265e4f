"""Why a document cannot be read (workbench/documents): en and zh templates by code, plain data.

A code with a variant (``corrupt.pdf``) is one of several sentences callers see under one code (``corrupt``).
"""

from __future__ import annotations

EN: dict[str, str] = {
    "too_large": "“{name}” is {size}; the limit is {limit}. Split it or upload a smaller file.",
    "unsupported_type": "“{name}” is not a supported document. Upload {kinds}.",
    "type_mismatch": "“{name}” is named like a {claimed} file but its content is {actual}. Upload the original "
                     "document.",
    "corrupt.pdf": "The PDF “{name}” could not be read: it may be damaged or encrypted. Open it in a PDF viewer, "
                   "save a new copy and upload that.",
    "corrupt.word": "The Word document “{name}” could not be read: it may be damaged. Open it in Word, save a new "
                    "copy and upload that.",
    "corrupt.csv": "“{name}” could not be read as a CSV table (a quoted cell may be left open, or one cell is "
                   "longer than 128 KB). Open it in a spreadsheet, save it again as CSV (UTF-8) and upload that.",
    "legacy_word": "“{name}” is an old Word (.doc) file or a password-protected one. Save it in Word as .docx "
                   "without a password and upload that.",
    "encrypted": "The PDF “{name}” is password-protected. Remove the password (print or save it without one) and "
                 "upload it again.",
    "no_text": "The PDF “{name}” has no text: it may be a scanned image; OCR is not supported. Upload a PDF with a "
               "text layer (one where text can be selected).",
    "empty": "“{name}” is empty: there is no text in it.",
    "empty.table": "“{name}” has no rows of data (only a header, or nothing at all).",
    "too_large_inside": "“{name}” unpacks to more than {limit} of text, which is more than a document should; it "
                        "may be damaged or a zip bomb. Save it again in Word and upload that.",
    "too_large_inside.table": "“{name}” makes more than {megabytes} MB of text once each row is written out with "
                              "its column names. Split the table into smaller files, or remove columns that are not "
                              "needed, and upload again.",
    "too_many_rows": "“{name}” has more than {limit} rows, more than a knowledge base document should. Split the "
                     "table into smaller files and upload those.",
    "encoding": "The text encoding of “{name}” could not be recognised. Save it as UTF-8 and upload it again.",
    "ocr_unavailable": "The scanned pages of “{name}” could not be read: the OCR engine is not installed. Ask an "
                       "admin to run pip install -r requirements.txt.",
}

ZH: dict[str, str] = {
    "too_large": "“{name}”大小为 {size}，超过了 {limit} 的上限。请拆分后再上传，或上传更小的文件。",
    "unsupported_type": "不支持“{name}”这种文件。请上传 {kinds}。",
    "type_mismatch": "“{name}”的扩展名是 {claimed}，但内容是{actual}。请上传原始文档。",
    "corrupt.pdf": "无法读取 PDF“{name}”：文件可能已损坏或被加密。请在 PDF 阅读器中打开并另存一份后再上传。",
    "corrupt.word": "无法读取 Word 文档“{name}”：文件可能已损坏。请在 Word 中打开并另存一份后再上传。",
    "corrupt.csv": "无法把“{name}”读取为 CSV 表格（可能有未闭合的引号，或某个单元格超过 128 KB）。"
                   "请在电子表格软件中打开，另存为 CSV（UTF-8）后再上传。",
    "legacy_word": "“{name}”是旧版 Word（.doc）文件或设有密码。请在 Word 中另存为无密码的 .docx 后再上传。",
    "encrypted": "PDF“{name}”设有密码保护。请先去掉密码（另存或打印为无密码的 PDF）后再上传。",
    "no_text": "PDF“{name}”中没有文字：它可能是扫描的图片，目前不支持文字识别（OCR）。"
               "请上传带文字层（可以选中文字）的 PDF。",
    "empty": "“{name}”是空的：其中没有文字。",
    "empty.table": "“{name}”中没有数据行（只有表头，或完全是空的）。",
    "too_large_inside": "“{name}”解压后的内容超过 {limit}，远大于正常文档，可能已损坏或是“压缩炸弹”。"
                        "请在 Word 中另存后再上传。",
    "too_large_inside.table": "“{name}”按“列名: 值”展开后文字超过 {megabytes} MB。请把表格拆分成较小的文件，"
                              "或删去不需要的列，然后重新上传。",
    "too_many_rows": "“{name}”超过 {limit} 行，超出了单个文档的上限。请把表格拆分成几个较小的文件后再上传。",
    "encoding": "无法识别“{name}”的文字编码。请另存为 UTF-8 编码后再上传。",
    "ocr_unavailable": "无法读取“{name}”中的扫描页：文字识别（OCR）引擎没有安装。"
                       "请联系管理员运行 pip install -r requirements.txt。",
}
