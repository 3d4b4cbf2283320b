"""word2vec: skip-gram word vectors with negative sampling."""
