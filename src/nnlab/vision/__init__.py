"""Vision beyond classification: boxes, NMS, anchors, detection, segmentation, verification."""
from .boxes import (batched_nms, box_area, box_convert, box_iou, check_boxes, decode_boxes,
                    encode_boxes, make_anchors, nms)

__all__ = ["batched_nms", "box_area", "box_convert", "box_iou", "check_boxes", "decode_boxes",
           "encode_boxes", "make_anchors", "nms"]
