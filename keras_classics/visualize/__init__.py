"""What the networks learn: seeing inside any functional Keras model.

One function per method, each taking a functional model (a registered
network, a model loaded from a run folder, or one of your own) and
returning NumPy arrays; `keras_classics.visualize.figures` turns them into
PNG figures.

- `filter_tiles`, `filter_norms`: the first layer's kernels as images;
  per-filter norms deeper in.
- `feature_maps`: a layer's output for one image.
- `top_patches`: the data set's regions that excite one channel most,
  cut to its receptive field (ZFNet, Fig. 2).
- `deconvnet`, `guided_backprop`: one activation projected back to pixels
  (ZFNet, Sec. 2.1; Springenberg et al. 2015).
- `occlusion_sensitivity`: the class probability as a grey square slides
  over the image (ZFNet, Sec. 4.2).
- `saliency`, `grad_cam`: the class score's gradient at the pixels
  (Simonyan et al. 2014) and at a convolution layer (Selvaraju et al. 2017).

Images are model inputs, preprocessed as in training, shape (h, w, c).
Gradients are taken in `keras_classics.visualize._gradients` (TensorFlow or JAX);
everything else uses ``keras.ops`` and the models' own layers.
"""

from keras_classics.visualize._graph import (
    VisualizeError,
    block_outputs,
    conv_layer_names,
    default_layer,
    ends_in_softmax,
    first_conv_layer,
    spatial_layer_names,
)
from keras_classics.visualize.activations import TopPatch, feature_maps, map_geometry, receptive_box, top_patches
from keras_classics.visualize.attribution import default_cam_layer, grad_cam, predicted_class, saliency
from keras_classics.visualize.deconvnet import Projection, check_invertible, deconvnet, guided_backprop
from keras_classics.visualize.filters import filter_norms, filter_tiles
from keras_classics.visualize.occlusion import Occlusion, occluder_boxes, occlusion_sensitivity

__all__ = [
    "VisualizeError",
    "conv_layer_names",
    "first_conv_layer",
    "spatial_layer_names",
    "block_outputs",
    "default_layer",
    "ends_in_softmax",
    "filter_tiles",
    "filter_norms",
    "feature_maps",
    "TopPatch",
    "top_patches",
    "receptive_box",
    "map_geometry",
    "Projection",
    "deconvnet",
    "guided_backprop",
    "check_invertible",
    "Occlusion",
    "occlusion_sensitivity",
    "occluder_boxes",
    "saliency",
    "grad_cam",
    "predicted_class",
    "default_cam_layer",
]

# SmoothGrad, Integrated Gradients, Guided Grad-CAM, the sanity check and
# feature visualisation by optimisation.
from keras_classics.visualize.methods_attribution import (  # noqa: E402
    GuidedGradCam,
    IntegratedGradients,
    SanityCheck,
    class_score,
    guided_grad_cam,
    guided_gradient,
    integrated_gradients,
    rank_correlation,
    sanity_check,
    smoothgrad,
    upsample_map,
)

__all__ += [
    "smoothgrad",
    "IntegratedGradients",
    "integrated_gradients",
    "class_score",
    "guided_gradient",
    "GuidedGradCam",
    "guided_grad_cam",
    "upsample_map",
    "SanityCheck",
    "sanity_check",
    "rank_correlation",
]
from keras_classics.visualize.methods_features import (  # noqa: E402
    COLOUR_CORRELATION,
    FeatureVisualization,
    feature_visualization,
    fourier_scale,
    image_to_spectrum,
    robustness_transform,
    spectrum_to_image,
)

__all__ += [
    "COLOUR_CORRELATION",
    "fourier_scale",
    "spectrum_to_image",
    "image_to_spectrum",
    "robustness_transform",
    "FeatureVisualization",
    "feature_visualization",
]
# ZFNet's Fig. 2 and Fig. 4: kept weights over training, a feature's
# evolution, top patches with their projections.
from keras_classics.visualize.evolution import (  # noqa: E402
    EvolutionStep,
    KeepWeights,
    UnitProjections,
    feature_evolution,
    kept_epochs,
    patches_and_projections,
    weights_path,
)

__all__ += [
    "KeepWeights",
    "kept_epochs",
    "weights_path",
    "EvolutionStep",
    "feature_evolution",
    "UnitProjections",
    "patches_and_projections",
]
