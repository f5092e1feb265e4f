# ruff: noqa: E501  (data: an entry reads better on one line)
"""Real-looking references-list entries in the styles papers use, each with the fields a parser must read.

Plain data, shared by ``tests/workbench/test_papers_references.py`` and a benchmark of reference parsing:

    for case in ENTRIES:
        ref = parse_reference(case["raw"], case["number"])
        assert {f: getattr(ref, f) for f in FIELDS} == {f: case[f] for f in FIELDS}

``raw`` is the entry as ``split_entries`` gives it (lines joined). Fields the entry lacks are "" (authors ()).
The venue is written without "In"/"in" and without volume, pages, publisher or year; an arXiv-only entry's
venue is "arXiv". Author names are family names as written; "et al." is not a name.
"""

from __future__ import annotations

FIELDS = ("authors", "title", "year", "venue", "doi", "arxiv", "label")


def _case(style: str, raw: str, number: int, authors: tuple[str, ...], title: str, year: str, venue: str,
          doi: str = "", arxiv: str = "", label: str = "") -> dict:
    return {"style": style, "raw": raw, "number": number, "authors": authors, "title": title, "year": year,
            "venue": venue, "doi": doi, "arxiv": arxiv, "label": label or str(number)}


ENTRIES: list[dict] = [
    # ---------------------------------------------------------------- IEEE
    _case("ieee",
          "[1] A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, Ł. Kaiser, and I. Polosukhin, "
          "“Attention is all you need,” in Proc. Adv. Neural Inf. Process. Syst. (NeurIPS), 2017, pp. 5998–6008.",
          1, ("Vaswani", "Shazeer", "Parmar", "Uszkoreit", "Jones", "Gomez", "Kaiser", "Polosukhin"),
          "Attention is all you need", "2017", "Proc. Adv. Neural Inf. Process. Syst. (NeurIPS)"),
    _case("ieee",
          "[2] S. Ren, K. He, R. Girshick, and J. Sun, “Faster R-CNN: Towards real-time object detection with "
          "region proposal networks,” IEEE Trans. Pattern Anal. Mach. Intell., vol. 39, no. 6, pp. 1137–1149, "
          "Jun. 2017, doi: 10.1109/TPAMI.2016.2577031.",
          2, ("Ren", "He", "Girshick", "Sun"),
          "Faster R-CNN: Towards real-time object detection with region proposal networks", "2017",
          "IEEE Trans. Pattern Anal. Mach. Intell.", doi="10.1109/TPAMI.2016.2577031"),
    _case("ieee",
          "[3] L. van der Maaten and G. Hinton, \"Visualizing data using t-SNE,\" J. Mach. Learn. Res., vol. 9, "
          "pp. 2579–2605, 2008.",
          3, ("van der Maaten", "Hinton"), "Visualizing data using t-SNE", "2008", "J. Mach. Learn. Res."),
    _case("ieee",
          "[12] J. Devlin, M.-W. Chang, K. Lee, and K. Toutanova, “BERT: Pre-training of deep bidirectional "
          "transformers for language understanding,” in Proc. 2019 Conf. North Amer. Chapter Assoc. Comput. "
          "Linguistics (NAACL), Minneapolis, MN, USA, 2019, pp. 4171–4186, doi: 10.18653/v1/N19-1423.",
          12, ("Devlin", "Chang", "Lee", "Toutanova"),
          "BERT: Pre-training of deep bidirectional transformers for language understanding", "2019",
          "Proc. 2019 Conf. North Amer. Chapter Assoc. Comput. Linguistics (NAACL)", doi="10.18653/v1/N19-1423"),
    # ---------------------------------------------------------------- ACM (numbered and author-year)
    _case("acm",
          "[4] Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, Aidan N. Gomez, Łukasz "
          "Kaiser, and Illia Polosukhin. 2017. Attention is All you Need. In Advances in Neural Information "
          "Processing Systems 30 (NeurIPS '17). Curran Associates, Inc., 5998–6008.",
          4, ("Vaswani", "Shazeer", "Parmar", "Uszkoreit", "Jones", "Gomez", "Kaiser", "Polosukhin"),
          "Attention is All you Need", "2017", "Advances in Neural Information Processing Systems 30 (NeurIPS '17)"),
    _case("acm",
          "Alex Krizhevsky, Ilya Sutskever, and Geoffrey E. Hinton. 2017. ImageNet classification with deep "
          "convolutional neural networks. Commun. ACM 60, 6 (May 2017), 84–90. https://doi.org/10.1145/3065386",
          5, ("Krizhevsky", "Sutskever", "Hinton"),
          "ImageNet classification with deep convolutional neural networks", "2017", "Commun. ACM",
          doi="10.1145/3065386", label="Krizhevsky et al., 2017"),
    _case("acm",
          "Tianqi Chen and Carlos Guestrin. 2016. XGBoost: A Scalable Tree Boosting System. In Proceedings of the "
          "22nd ACM SIGKDD International Conference on Knowledge Discovery and Data Mining (KDD '16). ACM, New "
          "York, NY, USA, 785–794. https://doi.org/10.1145/2939672.2939785",
          6, ("Chen", "Guestrin"), "XGBoost: A Scalable Tree Boosting System", "2016",
          "Proceedings of the 22nd ACM SIGKDD International Conference on Knowledge Discovery and Data Mining "
          "(KDD '16)", doi="10.1145/2939672.2939785", label="Chen and Guestrin, 2016"),
    # ---------------------------------------------------------------- APA
    _case("apa",
          "LeCun, Y., Bengio, Y., & Hinton, G. (2015). Deep learning. Nature, 521(7553), 436–444. "
          "https://doi.org/10.1038/nature14539",
          7, ("LeCun", "Bengio", "Hinton"), "Deep learning", "2015", "Nature", doi="10.1038/nature14539",
          label="LeCun et al., 2015"),
    _case("apa",
          "He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. In "
          "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition (pp. 770–778). "
          "doi:10.1109/CVPR.2016.90.",
          8, ("He", "Zhang", "Ren", "Sun"), "Deep residual learning for image recognition", "2016",
          "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
          doi="10.1109/CVPR.2016.90", label="He et al., 2016"),
    _case("apa",
          "Smith, J. A. (2020a). Measuring reading comprehension: A meta-analysis. Journal of Educational "
          "Psychology, 112(3), 455–470.",
          9, ("Smith",), "Measuring reading comprehension: A meta-analysis", "2020",
          "Journal of Educational Psychology", label="Smith, 2020a"),
    _case("apa",
          "Lee, H., & Kim, S. (2019). Graph neural networks for molecules. In K. Chaudhuri & R. Salakhutdinov "
          "(Eds.), Proceedings of the 36th International Conference on Machine Learning (pp. 3321–3330). PMLR.",
          10, ("Lee", "Kim"), "Graph neural networks for molecules", "2019",
          "Proceedings of the 36th International Conference on Machine Learning", label="Lee and Kim, 2019"),
    # ---------------------------------------------------------------- GB/T 7714
    _case("gbt",
          "[1] 张三, 李四, 王五. 基于深度学习的中文文本分类方法研究[J]. 计算机学报, 2020, 43(5): 1-10.",
          1, ("张三", "李四", "王五"), "基于深度学习的中文文本分类方法研究", "2020", "计算机学报"),
    _case("gbt",
          "[2] 刘洋, 陈明. 神经机器翻译研究进展[C]//第十五届全国计算语言学学术会议论文集. 北京: 中国中文信息学会, "
          "2016: 112-120.",
          2, ("刘洋", "陈明"), "神经机器翻译研究进展", "2016", "第十五届全国计算语言学学术会议论文集"),
    _case("gbt",
          "[3] 周志华. 机器学习[M]. 北京: 清华大学出版社, 2016.",
          3, ("周志华",), "机器学习", "2016", "北京: 清华大学出版社"),
    _case("gbt",
          "[4] VASWANI A, SHAZEER N, PARMAR N, et al. Attention is all you need[C]//Advances in Neural "
          "Information Processing Systems. Long Beach: Curran Associates, 2017: 5998-6008.",
          4, ("VASWANI", "SHAZEER", "PARMAR"), "Attention is all you need", "2017",
          "Advances in Neural Information Processing Systems"),
    _case("gbt",
          "［5］ 李航，王小明．统计学习方法［Ｊ］．软件学报，２０１９，３０（１）：１－２０．DOI：10.13328/j.cnki.jos.005000．",
          5, ("李航", "王小明"), "统计学习方法", "2019", "软件学报", doi="10.13328/j.cnki.jos.005000"),
    _case("gbt",
          "[6] HE K, ZHANG X, REN S, et al. Deep residual learning for image recognition[C]//Proceedings of the "
          "IEEE Conference on Computer Vision and Pattern Recognition. Las Vegas: IEEE, 2016: 770-778. "
          "DOI: 10.1109/CVPR.2016.90.",
          6, ("HE", "ZHANG", "REN"), "Deep residual learning for image recognition", "2016",
          "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
          doi="10.1109/CVPR.2016.90"),
    # ---------------------------------------------------------------- arXiv only
    _case("arxiv",
          "[7] T. B. Brown et al., “Language models are few-shot learners,” arXiv preprint arXiv:2005.14165, 2020.",
          7, ("Brown",), "Language models are few-shot learners", "2020", "arXiv", arxiv="2005.14165"),
    _case("arxiv",
          "Touvron, H., Lavril, T., Izacard, G., Martinet, X., Lachaux, M.-A., Lacroix, T., Rozière, B., Goyal, "
          "N., Hambro, E., Azhar, F., Rodriguez, A., Joulin, A., Grave, E., & Lample, G. (2023). LLaMA: Open and "
          "efficient foundation language models. arXiv preprint arXiv:2302.13971.",
          11, ("Touvron", "Lavril", "Izacard", "Martinet", "Lachaux", "Lacroix", "Rozière", "Goyal", "Hambro",
               "Azhar", "Rodriguez", "Joulin", "Grave", "Lample"),
          "LLaMA: Open and efficient foundation language models", "2023", "arXiv", arxiv="2302.13971",
          label="Touvron et al., 2023"),
    _case("arxiv",
          "Jason Wei, Xuezhi Wang, Dale Schuurmans, Maarten Bosma, Brian Ichter, Fei Xia, Ed Chi, Quoc V. Le, and "
          "Denny Zhou. 2022. Chain-of-thought prompting elicits reasoning in large language models. "
          "https://arxiv.org/abs/2201.11903v6",
          12, ("Wei", "Wang", "Schuurmans", "Bosma", "Ichter", "Xia", "Chi", "Le", "Zhou"),
          "Chain-of-thought prompting elicits reasoning in large language models", "2022", "arXiv",
          arxiv="2201.11903v6", label="Wei et al., 2022"),
    _case("arxiv",
          "[9] Y. Zhang and Q. Yang, “A survey on multi-task learning,” 2021, arXiv:1707.08114. [Online]. "
          "Available: https://doi.org/10.48550/arXiv.1707.08114",
          9, ("Zhang", "Yang"), "A survey on multi-task learning", "2021", "arXiv",
          doi="10.48550/arXiv.1707.08114", arxiv="1707.08114"),
    # ---------------------------------------------------------------- held out: written after the parser, then fixed
    _case("ieee",
          '[5] D. P. Kingma and J. Ba, “Adam: A method for stochastic optimization,” in Proc. Int. Conf. Learn. Represent. (ICLR), San Diego, CA, USA, 2015.',
          5, ('Kingma', 'Ba'), 'Adam: A method for stochastic optimization', '2015',
          'Proc. Int. Conf. Learn. Represent. (ICLR)'),
    _case("arxiv",
          '[8] K. Simonyan and A. Zisserman, “Very deep convolutional networks for large-scale image recognition,” 2014, arXiv:1409.1556.',
          8, ('Simonyan', 'Zisserman'), 'Very deep convolutional networks for large-scale image recognition', '2014',
          'arXiv', arxiv='1409.1556'),
    _case("apa",
          'Hochreiter, S., & Schmidhuber, J. (1997). Long short-term memory. Neural Computation, 9(8), 1735–1780. https://doi.org/10.1162/neco.1997.9.8.1735',
          22, ('Hochreiter', 'Schmidhuber'), 'Long short-term memory', '1997',
          'Neural Computation', doi='10.1162/neco.1997.9.8.1735', label='Hochreiter and Schmidhuber, 1997'),
    _case("apa",
          'Radford, A., Wu, J., Child, R., Luan, D., Amodei, D., & Sutskever, I. (2019). Language models are unsupervised multitask learners. OpenAI Blog, 1(8), 9.',
          23, ('Radford', 'Wu', 'Child', 'Luan', 'Amodei', 'Sutskever'), 'Language models are unsupervised multitask learners', '2019',
          'OpenAI Blog', label='Radford et al., 2019'),
    _case("gbt",
          '[3] 王小明, 张伟. 大语言模型的幻觉问题综述[J]. 中文信息学报, 2023, 37(4): 1-15. DOI: 10.3969/j.issn.1003-0077.2023.04.001.',
          3, ('王小明', '张伟'), '大语言模型的幻觉问题综述', '2023',
          '中文信息学报', doi='10.3969/j.issn.1003-0077.2023.04.001'),
    _case("gbt",
          '[7] 李明. 深度学习在医学图像分析中的应用研究[D]. 上海: 复旦大学, 2021.',
          7, ('李明',), '深度学习在医学图像分析中的应用研究', '2021',
          '上海: 复旦大学'),
    _case("acm",
          'Colin Raffel, Noam Shazeer, Adam Roberts, Katherine Lee, Sharan Narang, Michael Matena, Yanqi Zhou, Wei Li, and Peter J. Liu. 2020. Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer. J. Mach. Learn. Res. 21, 140 (2020), 1–67.',
          26, ('Raffel', 'Shazeer', 'Roberts', 'Lee', 'Narang', 'Matena', 'Zhou', 'Li', 'Liu'), 'Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer', '2020',
          'J. Mach. Learn. Res.', label='Raffel et al., 2020'),
    _case("ieee",
          '[10] I. Goodfellow et al., “Generative adversarial nets,” in Advances in Neural Information Processing Systems, vol. 27, 2014, pp. 2672–2680.',
          10, ('Goodfellow',), 'Generative adversarial nets', '2014',
          'Advances in Neural Information Processing Systems'),
    _case("arxiv",
          'Mikolov, T., Chen, K., Corrado, G., & Dean, J. (2013). Efficient estimation of word representations in vector space. arXiv:1301.3781.',
          28, ('Mikolov', 'Chen', 'Corrado', 'Dean'), 'Efficient estimation of word representations in vector space', '2013',
          'arXiv', arxiv='1301.3781', label='Mikolov et al., 2013'),
    _case("arxiv",
          '[11] OpenAI, “GPT-4 technical report,” 2023, arXiv:2303.08774.',
          11, ('OpenAI',), 'GPT-4 technical report', '2023',
          'arXiv', arxiv='2303.08774'),
]
