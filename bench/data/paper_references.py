"""Reference entries for bench/papers.py, written for the benchmark after the parser (workbench/papers/references.py)
was finished and never used to tune it: its held-out set. Styles as real papers print them (IEEE, ACM, APA, Springer
LNCS, GB/T 7714, arXiv-only, with DOIs and arXiv ids in the forms seen in the wild). Fields as FIELDS of
tests/fakes/reference_entries.py; "" where the entry has none.
"""

ENTRIES: list[dict] = [
    {"raw": "[1] T. Mikolov, K. Chen, G. Corrado, and J. Dean, \u201cEfficient estimation of word representations in "
            "vector space,\u201d in Proc. ICLR Workshop, 2013.",
     "authors": ("Mikolov", "Chen", "Corrado", "Dean"), "title": "Efficient estimation of word representations in "
     "vector space", "year": "2013", "venue": "Proc. ICLR Workshop", "doi": "", "arxiv": "", "label": "1"},
    {"raw": "[2] Y. LeCun, Y. Bengio, and G. Hinton, \u201cDeep learning,\u201d Nature, vol. 521, no. 7553, pp. "
            "436\u2013444, 2015, doi: 10.1038/nature14539.",
     "authors": ("LeCun", "Bengio", "Hinton"), "title": "Deep learning", "year": "2015", "venue": "Nature",
     "doi": "10.1038/nature14539", "arxiv": "", "label": "2"},
    {"raw": "[3] J. Ho, A. Jain, and P. Abbeel, \u201cDenoising diffusion probabilistic models,\u201d arXiv preprint "
            "arXiv:2006.11239, 2020.",
     "authors": ("Ho", "Jain", "Abbeel"), "title": "Denoising diffusion probabilistic models", "year": "2020",
     "venue": "arXiv", "doi": "", "arxiv": "2006.11239", "label": "3"},
    {"raw": "[4] Jacob Devlin, Ming-Wei Chang, Kenton Lee, and Kristina Toutanova. 2019. BERT: Pre-training of Deep "
            "Bidirectional Transformers for Language Understanding. In Proceedings of NAACL-HLT. 4171\u20134186.",
     "authors": ("Devlin", "Chang", "Lee", "Toutanova"), "title": "BERT: Pre-training of Deep Bidirectional "
     "Transformers for Language Understanding", "year": "2019", "venue": "Proceedings of NAACL-HLT", "doi": "",
     "arxiv": "", "label": "4"},
    {"raw": "[5] Tomas Mikolov, Ilya Sutskever, Kai Chen, Greg S. Corrado, and Jeff Dean. 2013. Distributed "
            "representations of words and phrases and their compositionality. In Advances in Neural Information "
            "Processing Systems. 3111\u20133119.",
     "authors": ("Mikolov", "Sutskever", "Chen", "Corrado", "Dean"), "title": "Distributed representations of "
     "words and phrases and their compositionality", "year": "2013", "venue": "Advances in Neural Information "
     "Processing Systems", "doi": "", "arxiv": "", "label": "5"},
    {"raw": "Goodfellow, I., Pouget-Abadie, J., Mirza, M., Xu, B., Warde-Farley, D., Ozair, S., Courville, A., & "
            "Bengio, Y. (2014). Generative adversarial nets. In Advances in Neural Information Processing Systems "
            "(pp. 2672\u20132680).",
     "authors": ("Goodfellow", "Pouget-Abadie", "Mirza", "Xu", "Warde-Farley", "Ozair", "Courville", "Bengio"),
     "title": "Generative adversarial nets", "year": "2014", "venue": "Advances in Neural Information Processing "
     "Systems", "doi": "", "arxiv": "", "label": "Goodfellow et al., 2014"},
    {"raw": "Silver, D., Huang, A., Maddison, C. J., Guez, A., Sifre, L., van den Driessche, G., et al. (2016). "
            "Mastering the game of Go with deep neural networks and tree search. Nature, 529(7587), 484\u2013489. "
            "https://doi.org/10.1038/nature16961",
     "authors": ("Silver", "Huang", "Maddison", "Guez", "Sifre", "van den Driessche"), "title": "Mastering the "
     "game of Go with deep neural networks and tree search", "year": "2016", "venue": "Nature",
     "doi": "10.1038/nature16961", "arxiv": "", "label": "Silver et al., 2016"},
    {"raw": "Radford, A., & Narasimhan, K. (2018). Improving language understanding by generative pre-training. "
            "OpenAI.",
     "authors": ("Radford", "Narasimhan"), "title": "Improving language understanding by generative pre-training",
     "year": "2018", "venue": "OpenAI", "doi": "", "arxiv": "", "label": "Radford and Narasimhan, 2018"},
    {"raw": "[9] Kingma, D.P., Welling, M.: Auto-encoding variational Bayes. In: 2nd International Conference on "
            "Learning Representations (2014)",
     "authors": ("Kingma", "Welling"), "title": "Auto-encoding variational Bayes", "year": "2014",
     "venue": "2nd International Conference on Learning Representations", "doi": "", "arxiv": "", "label": "9"},
    {"raw": "[10] 刘知远, 孙茂松. 自然语言处理中的表示学习进展[J]. 中文信息学报, 2018, 32(3): 1-12.",
     "authors": ("刘知远", "孙茂松"), "title": "自然语言处理中的表示学习进展", "year": "2018", "venue": "中文信息学报",
     "doi": "", "arxiv": "", "label": "10"},
    {"raw": "[11] 周志华. 机器学习[M]. 北京: 清华大学出版社, 2016.",
     "authors": ("周志华",), "title": "机器学习", "year": "2016", "venue": "北京: 清华大学出版社", "doi": "",
     "arxiv": "", "label": "11"},
    {"raw": "[12] A. Dosovitskiy et al., \u201cAn image is worth 16x16 words: Transformers for image recognition at "
            "scale,\u201d in Proc. ICLR, 2021. [Online]. Available: https://arxiv.org/abs/2010.11929",
     "authors": ("Dosovitskiy",), "title": "An image is worth 16x16 words: Transformers for image recognition at "
     "scale", "year": "2021", "venue": "Proc. ICLR", "doi": "", "arxiv": "2010.11929", "label": "12"},
]
