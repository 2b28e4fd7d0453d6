"""Vision beyond classification: boxes, NMS, anchors, detection, segmentation, verification."""
from .boxes import (batched_nms, box_area, box_convert, box_iou, check_boxes, decode_boxes,
                    encode_boxes, make_anchors, nms)
from .map_metric import average_precision_voc, detection_pr_curve, mean_average_precision

__all__ = ["batched_nms", "box_area", "box_convert", "box_iou", "check_boxes", "decode_boxes",
           "encode_boxes", "make_anchors", "nms", "average_precision_voc", "detection_pr_curve",
           "mean_average_precision"]
from .sliding import fully_convolutional  # noqa: E402,F401
__all__ += ["fully_convolutional"]
