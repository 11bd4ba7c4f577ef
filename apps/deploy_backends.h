#pragma once
// The robot and the pose source `ocres deploy` runs against, chosen by --robot / --poses:
//
//   --robot                 --poses                          what runs
//   sim[:DOMAIN] (lab)      estimator | truth | none | auto  SimRobot in process (deploy_sim_robot.h), its
//                           (default auto: estimator in lab)  own estimates; --images N renders cameras
//   tcp://... | ipc://...   tcp://... | ipc://... (required)  a robot bridge + a network pose stream
//
// A network pose stream with the in-process robot is refused: its stamps would be on another clock
// than the simulated robot's, so the gate would drop every estimate as stale or from the future. The
// in-process estimator without the in-process robot has no scene to estimate. Both are InputErrors at
// startup that name the bad value, as is a base policy that looks at a camera nobody renders.
#include <memory>
#include <string>
#include <vector>

#include "deploy/interfaces.h"
#include "deploy/zmq_pose_source.h"

namespace ocres::apps {

struct DeployBackendOptions {
  std::string task;
  std::string robot;            // sim | sim:DOMAIN | tcp://host:port | ipc://path
  std::string poses;            // empty: auto (in-process robot only); estimator | truth | none | auto; or an endpoint
  std::string objects;          // comma-separated object names of a network pose stream (empty: the task's)
  int image_size_px = 0;        // in-process robot: render the base policy's cameras at this square size
  int robot_timeout_ms = 500;   // network robot: round-trip timeout
};

struct DeployBackends {
  std::unique_ptr<deploy::RobotInterface> robot;
  std::unique_ptr<deploy::ZmqPoseSource> pose_stream;  // network pose stream (null in process)
  deploy::PoseSource* poses = nullptr;                 // the one to use (the stream or the robot's own)
  const deploy::CameraSource* cameras = nullptr;       // the base policy's frames: `frames`, or the robot's own rendering
  std::vector<std::string> objects;                    // in the residual's order
  bool in_process = false;
  std::string description;                             // one line for the log, e.g. "sim:lab, poses estimator"
};

// frames.names() are the cameras the base policy looks at (empty: none); with a robot bridge `frames`
// receives their frames (result.cameras points to it), so it must outlive the result; the in-process
// robot renders them itself (result.cameras is the robot). Throws InputError naming the bad option value.
DeployBackends make_deploy_backends(const DeployBackendOptions& options, deploy::FrameStore& frames);

// True for "sim" and "sim:DOMAIN" (then `domain` is DOMAIN, or lab); throws InputError for "sim:".
bool parse_sim_robot(const std::string& robot, std::string& domain);

}  // namespace ocres::apps
