"""Why a knowledge-base search or a look at its index cannot be done (workbench/kb: retrieve, service, chunks,
vectors, keyword): en and zh templates by code, plain data.

A code with a variant (``invalid_value.limit``) is one of several sentences callers see under one code
(``invalid_value``). ``then.*`` is never raised: it is put in another message's field.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # a search (workbench/kb/retrieve.py, service.py)
    "empty_query": "Type what to look for in the knowledge bases.",
    "bad_k": "Ask for at least one result (k).",
    "bad_candidates": "Candidates per method must be at least 1.",
    "too_many": "Choose at most {most} knowledge bases for one question.",
    # the question could not be embedded: said under the embedding error's own code (e.g. "model")
    "embedding_failed": "Could not search {names} (embedding model {model}): {reason}",
    "rerank_failed": "The results could not be reranked ({model}): {reason} They are in the search's own order "
                     "(keywords and meaning).",
    "rerank_failed.unreadable": "The reranker ({model}) gave an answer we cannot read. The results are in the "
                                "search's own order (keywords and meaning).",
    "rerank_failed.unscored": "The reranker ({model}) did not score every passage. The results are in the search's "
                              "own order (keywords and meaning).",
    # a document's chunks (workbench/kb/chunks.py)
    "invalid_value.offset": "The offset must be a whole number of 0 or more (how many chunks to skip).",
    "invalid_value.limit": "The limit must be a whole number from 1 to {most} (chunks per page).",
    "invalid_value.filter": "The filter must be text.",
    "too_long.filter": "The filter is too long: at most {most} characters.",
    "document_not_ready": "“{name}” is not ready yet: {status}. {then}",
    "then.pending": "Its chunks can be read once it is ready.",
    "then.retry": "Retry it to add its chunks.",
    # the indexes (workbench/kb/vectors.py, keyword.py)
    "embedding_refused": "The knowledge base's vectors come from the gateway; the vector store was asked to embed "
                         "text itself, which is a bug in the workbench.",
    "vectors_unavailable": "The vector store cannot be reached or refused the request. Try again in a moment; if it "
                           "keeps failing, ask an administrator to check the vector store (Chroma).",
    "bad_chroma_url": "The Chroma URL {url!r} is not a server address: write it like http://chroma-host:8000.",
    "vector_dimension": "These vectors have another length than the knowledge base's index. Was its embedding model "
                        "changed? Re-index its documents with one embedding model.",
    "model_changed": "The knowledge base moved to another embedding model while this was being embedded; it is "
                     "embedded again with the new one.",
    "bad_vectors": "Expected one vector per chunk ({chunks}), got an array of shape {shape}.",
    "keyword_index_too_large": "This knowledge base is too large for one keyword index (over 16 million chunks or "
                               "distinct words). Split it into several knowledge bases.",
}

ZH: dict[str, str] = {
    "empty_query": "请输入要在知识库中查找的内容。",
    "bad_k": "结果数（k）至少为 1。",
    "bad_candidates": "每种方法的候选数至少为 1。",
    "too_many": "一次提问最多选择 {most} 个知识库。",
    "embedding_failed": "无法检索 {names}（嵌入模型 {model}）：{reason}",
    "rerank_failed": "无法对结果重新排序（{model}）：{reason} 结果按检索本身的排序（关键词与语义）排列。",
    "rerank_failed.unreadable": "重排序模型（{model}）的回答无法解析。结果按检索本身的排序（关键词与语义）排列。",
    "rerank_failed.unscored": "重排序模型（{model}）未给所有段落打分。结果按检索本身的排序（关键词与语义）排列。",
    "invalid_value.offset": "offset 须为不小于 0 的整数（要跳过的分块数）。",
    "invalid_value.limit": "limit 须为 1 到 {most} 之间的整数（每页的分块数）。",
    "invalid_value.filter": "筛选条件须为文本。",
    "too_long.filter": "筛选文字过长：最多 {most} 个字符。",
    "document_not_ready": "“{name}”尚未就绪：{status}。{then}",
    "then.pending": "就绪后即可查看其分块。",
    "then.retry": "重试后才会生成分块。",
    "embedding_refused": "知识库的向量由网关计算；向量库被要求自行计算向量，这是工作台的缺陷。",
    "vectors_unavailable": "向量库无法访问或拒绝了请求。请稍后重试；如果一直失败，请联系管理员检查向量库（Chroma）。",
    "bad_chroma_url": "Chroma 地址 {url!r} 不是服务器地址：请写成 http://chroma-host:8000 的形式。",
    "vector_dimension": "这些向量的维度与知识库索引不一致。是否更换过嵌入模型？请用同一个嵌入模型重新索引其文档。",
    "model_changed": "嵌入过程中知识库换用了另一个嵌入模型；将用新模型重新嵌入。",
    "bad_vectors": "每个文本块应有一个向量（{chunks} 个），实际得到形状为 {shape} 的数组。",
    "keyword_index_too_large": "此知识库过大，无法建立一个关键词索引（超过 1600 万个文本块或不同词）。"
                               "请拆分为多个知识库。",
}
