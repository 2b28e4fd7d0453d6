"""Keras-named layers; every one is a ``torch.nn.Module``.

Each family lives in its own file (core, activation, convolutional, pooling,
normalization, recurrent, embedding, attention, merging, reshaping).
"""
from .base.input_layer import Input, InputLayer
from .base.layer import Layer
from .base.torch_module import TorchModule
from .activation import ELU, PReLU, Activation, LeakyReLU, Maxout, ReLU, Softmax
from .attention import AdditiveAttention, Attention, MultiHeadAttention
from .conv_depthwise import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
                             SeparableConv2D)
from .conv_lstm import ConvLSTM2D
from .conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from .convolutional import Conv1D, Conv2D, Conv3D
from .core import Dense, Dropout, Flatten, Lambda, Permute, Reshape
from .embedding import Embedding
from .masking import Masking
from .masked_conv import MaskedConv2D
from .minibatch_stddev import MinibatchStdDev
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                      average, concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .preprocessing import Normalization, Rescaling
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D,
                      MaxPooling2D, MaxPooling3D)
from .recurrent import GRU, LSTM, SimpleRNN
from .string_lookup import StringLookup
from .integer_lookup import IntegerLookup
from .category_encoding import CategoryEncoding
from .text_vectorization import TextVectorization
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D,
                        UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from .wrappers import Bidirectional, TimeDistributed
from .image_augmentation import (RandomContrast, RandomCrop, RandomFlip, RandomRotation,
                                 RandomTranslation, RandomZoom)
from .image_resizing import CenterCrop, Resizing
from .noise import GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from .repeat_vector import RepeatVector
from . import merge  # Keras 2's keras.layers.merge path (warns once on use)
from .unpooling import MaxUnpooling2D  # noqa: E402,F401

# Keras' short aliases of the pooling layers (the same classes)
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
